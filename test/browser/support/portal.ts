import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { buildApp } from '../../../src/app/app.js';
import { allMigrations } from '../../../src/app/migrations.js';
import { seedDemo } from '../../../src/app/seed.js';
import { testConfig } from '../../../src/platform/config.js';
import type { Clock } from '../../../src/platform/clock.js';
import { withLuhnCheckDigit } from '../../../src/modules/provisioning/index.js';
import { createLogger } from '../../../src/platform/logger.js';
import { createTestDatabase, type TestDatabase } from '../../support/stores.js';

/**
 * The browser tests' harness: the real application, listening on a free port of 127.0.0.1 and
 * serving the built portal (web/dist, built by test/support/web-global-setup.ts), driven by
 * Debian's Chromium through playwright-core.
 *
 * Browser tests use SQLite only: they test the portal, not the storage, which the integration
 * suites test on both SQLite and PostgreSQL.
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(process.cwd(), 'test-results', 'screenshots');
/** The narrowest phone the portal supports, and the size of the screenshots. */
export const PHONE = { width: 360, height: 780 } as const;
export const PASSWORD = 'correct-horse-battery-staple';
/** Per-test time limit: a browser journey loads several pages, and CI machines may be busy. */
export const BROWSER_TEST_TIMEOUT_MS = 120_000;
/** The key network elements present to `POST /api/v1/usage` in these tests. */
export const NETWORK_API_KEY = 'browser-tests-network-key-0123456789';

export interface Portal {
  readonly app: FastifyInstance;
  readonly baseUrl: string;
  readonly browser: Browser;
  close(): Promise<void>;
}

/**
 * The server's clock for tests about time (expiry, grace): real time plus an offset that the test
 * moves forward, so that jobs, sessions and timers keep running as they do in production.
 */
export class ShiftedClock implements Clock {
  private offsetMs = 0;

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  /** Moves the server's time forward by `deltaMs` (never back). */
  advance(deltaMs: number): void {
    if (!Number.isSafeInteger(deltaMs) || deltaMs < 0) throw new Error('the clock only moves forward, by whole milliseconds');
    this.offsetMs += deltaMs;
  }
}

export interface PortalOptions {
  /** The server's clock (the system clock by default). */
  readonly clock?: Clock;
  /** How many physical SIMs to add to the warehouse (besides the demo stock), for SIM card orders. */
  readonly physicalSimsInStock?: number;
}

/** Physical SIMs in stock on +852 5400 1000.., ICCIDs after the demo inventory's. */
function physicalStock(count: number): Array<{ iccid: string; msisdn: string; type: 'physical'; status: 'in_stock' }> {
  return Array.from({ length: count }, (_, i) => ({
    iccid: withLuhnCheckDigit(`8985299${String(30_000_001_000 + i).padStart(11, '0')}`), msisdn: `+8525400${1000 + i}`, type: 'physical', status: 'in_stock',
  }));
}

/** Starts the app on a fresh SQLite database with the demo catalog and inventory, and Chromium. */
export async function startPortal(options: PortalOptions = {}): Promise<Portal> {
  const database: TestDatabase = await createTestDatabase('sqlite', allMigrations);
  // The port is known before the app is built, so that links the app makes for customers (the
  // payment provider's return address) point back to this very server.
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  // One IP (127.0.0.1) signs up many test customers: raise the per-IP code limit, keep the rest.
  const config = testConfig({ codeHourlyLimitPerIp: 10_000, codeHourlyLimitPerDestination: 100, publicUrl: baseUrl, networkApiKey: NETWORK_API_KEY });
  const app = await buildApp({ config, database, logger: createLogger('silent'), ...(options.clock === undefined ? {} : { clock: options.clock }) });
  await seedDemo(app.roamline.services);
  if ((options.physicalSimsInStock ?? 0) > 0) await app.roamline.services.provisioning.importSims(physicalStock(options.physicalSimsInStock ?? 0));
  await app.listen({ port, host: '127.0.0.1' });
  // The in-process worker, as `roamline serve` runs it: fulfilment, provisioning and deliveries
  // happen in jobs, so an order reaches "fulfilled" only with it.
  app.roamline.jobs.start(200);
  const stopApp = async (): Promise<void> => {
    await app.roamline.jobs.stop();
    await app.close();
    await database.close();
  };
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (error) {
    await stopApp();
    throw error;
  }
  return {
    app, baseUrl, browser,
    close: async () => {
      await browser.close().catch(() => undefined);
      await stopApp();
    },
  };
}

/** Debian's Chromium, headless; playwright's launch() gives it a fresh temporary --user-data-dir each time. */
async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not at ${CHROMIUM_PATH}: install Debian's package (apt-get install chromium), as .ci/run does, or set CHROMIUM_PATH`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

export interface PhonePage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and uncaught exceptions of the page, checked by `expectNoPageErrors`. */
  readonly errors: string[];
}

/** A fresh context (no cookies, no storage) with a phone-sized viewport in `locale` (and `timezoneId`, else the machine's). */
export async function openPhone(portal: Portal, locale = 'en-US', timezoneId?: string): Promise<PhonePage> {
  const context = await portal.browser.newContext({
    baseURL: portal.baseUrl, viewport: PHONE, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale,
    ...(timezoneId === undefined ? {} : { timezoneId }),
  });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // Failed API answers (4xx the test provokes) show as resource errors; the page handles them.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(`console: ${message.text()}`);
  });
  return { context, page, errors };
}

export function expectNoPageErrors(phone: PhonePage): void {
  expect(phone.errors).toEqual([]);
}

let counter = 0;
export function uniqueEmail(label = 'browser'): string {
  counter += 1;
  return `${label}.${Date.now().toString(36)}.${counter}@example.com`;
}

/** A fresh Hong Kong mobile number (+852 61xx xxxx is mobile, and HK is on the SMS allow-list). */
export function uniqueHkMobile(): string {
  counter += 1;
  return `+85261${String((Date.now() + counter * 7919) % 1_000_000).padStart(6, '0')}`;
}

/**
 * The newest 6-digit code sent to `to`, read from the development outbox; waits up to 10 s for it
 * (the page may still be waiting for the API's answer when the test asks).
 */
export async function codeFor(portal: Portal, to: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await fetch(`${portal.baseUrl}/api/v1/dev/outbox?to=${encodeURIComponent(to)}`);
    const { messages } = (await response.json()) as { messages: Array<{ body: string }> };
    for (const message of messages) {
      const match = /\b(\d{6})\b/.exec(message.body);
      if (match?.[1] !== undefined) return match[1];
    }
    if (Date.now() > deadline) throw new Error(`no code in the outbox for ${to}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Creates a verified customer through the accounts service (fast), for tests that need one. */
export async function provisionCustomer(portal: Portal, language: 'en' | 'zh-CN' | 'zh-TW' = 'en'): Promise<{ email: string }> {
  const email = uniqueEmail('customer');
  await portal.app.roamline.services.accounts.signIn.provisionCustomer({ email, password: PASSWORD, language });
  return { email };
}

/** A new customer signed in on two phones: `other` first, then `phone`. */
export async function signedInOnTwoPhones(portal: Portal): Promise<{ email: string; other: PhonePage; phone: PhonePage }> {
  const { email } = await provisionCustomer(portal);
  const other = await openPhone(portal);
  await signInWithPassword(other.page, email);
  const phone = await openPhone(portal);
  await signInWithPassword(phone.page, email);
  return { email, other, phone };
}

/** Signs in through the sign-in page with a password and waits for the dashboard. */
export async function signInWithPassword(page: Page, contact: string, password = PASSWORD): Promise<void> {
  await page.goto('/sign-in');
  await page.locator('input[name="contact"]').fill(contact);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('form button[type="submit"]').click();
  await page.waitForURL((url) => url.pathname === '/');
  await page.locator('main h1').waitFor();
}

/**
 * Opens `path` inside the running single-page app (as a click on a link would: no reload, so the
 * bundle is not parsed again), or loads it when the page is not on the portal yet.
 */
export async function visit(page: Page, path: string): Promise<void> {
  if (!page.url().startsWith('http')) {
    await page.goto(path);
    return;
  }
  const samePage = new URL(page.url()).pathname === new URL(path, page.url()).pathname;
  await page.evaluate(`history.pushState(null, '', ${JSON.stringify(path)}); dispatchEvent(new PopStateEvent('popstate'))`);
  await page.waitForURL((url) => `${url.pathname}${url.search}` === path);
  // The portal marks <html data-page> once a new page's heading is on screen (pages load lazily).
  if (!samePage) await page.locator(`html[data-page=${JSON.stringify(new URL(path, page.url()).pathname)}]`).waitFor({ state: 'attached' });
}

/** Signs in through the API (the page's context keeps the session cookie): for tests about other pages. */
export async function signInViaApi(page: Page, contact: string, password = PASSWORD): Promise<void> {
  await apiAs(page, 'POST', '/auth/login', { contact, password });
}

/** Waits for the page's h1 to read `name` (pages are lazy: the previous one stays while the next loads). */
export async function heading(page: Page, name: string): Promise<void> {
  await page.getByRole('heading', { level: 1, name, exact: true }).waitFor();
}

/** Keys the page asked i18next for that no language has (recorded by the portal's missing-key handler). */
export async function missingKeys(page: Page): Promise<string[]> {
  return page.evaluate<string[]>('window.__roamlineMissingKeys ?? []');
}

/** The visible text of the page, to look for raw translation keys ("nav.plans") left in it. */
export async function rawKeysIn(page: Page, namespaces: readonly string[]): Promise<string[]> {
  const text = await page.locator('body').innerText();
  const pattern = new RegExp(`\\b(?:${namespaces.join('|')})\\.[a-zA-Z_]+(?:\\.[a-zA-Z_]+)*\\b`, 'g');
  return text.match(pattern) ?? [];
}

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: ReadonlyArray<{ readonly target: readonly string[] }>;
}

/** Runs axe-core (WCAG 2.x A and AA rules) on the page; returns the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<string[]> {
  axeSource ??= await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated over the DevTools protocol, so the app's Content-Security-Policy (no inline scripts) stays on.
  await page.evaluate(axeSource);
  const violations = await page.evaluate<AxeViolation[]>(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }).then((r) => r.violations)",
  );
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
}

/** The page fits its width: nothing sticks out sideways (the portal works from 360 px wide). */
export async function expectNoSidewaysScroll(page: Page, what: string): Promise<void> {
  const widths = await page.evaluate<{ scroll: number; client: number }>('({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })');
  expect(widths.scroll, `${what} is wider than the screen`).toBeLessThanOrEqual(widths.client);
}

/** Saves a full-page screenshot at phone size under test-results/screenshots/, after checking the page fits the width. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!name.startsWith('failed-')) await expectNoSidewaysScroll(page, name);
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  // From the top, so sticky bars sit where a reader first sees them.
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Calls the API with the page's cookies (signed in as the page is), with a CSRF token on writes. */
export async function apiAs<T>(page: Page, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const request = page.context().request;
  const extra: Record<string, string> = { ...headers };
  if (method !== 'GET') {
    const csrf = (await (await request.get('/api/v1/auth/csrf')).json()) as { csrfToken: string };
    extra['x-csrf-token'] = csrf.csrfToken;
  }
  const response = await request.fetch(`/api/v1${path}`, { method, headers: extra, ...(body === undefined ? {} : { data: body }) });
  const text = await response.text();
  if (!response.ok()) throw new Error(`${method} ${path}: ${response.status()} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** The demo SIMs sold in shops, waiting to be claimed (src/modules/provisioning/provisioning.demo.ts). */
export const DEMO_SIMS = ['+85251000101', '+85251000102', '+85251000103', '+85251000104', '+85251000105', '+85251000106'] as const;

/** Attaches a demo SIM to the signed-in customer of `page` through the API; returns the line id. */
export async function claimSimViaApi(portal: Portal, page: Page, msisdn: string): Promise<string> {
  await apiAs(page, 'POST', '/lines/claim', { msisdn });
  const line = await apiAs<{ id: string }>(page, 'POST', '/lines/claim/verify', { msisdn, code: await codeFor(portal, msisdn) });
  return line.id;
}

/**
 * Buys `planCode` as a new eSIM for the signed-in customer of `page` through the API (order, then
 * the sandbox's succeeding test card) and waits until it is fulfilled; returns the new line's id.
 */
export async function buyEsimViaApi(page: Page, planCode: string, currency = 'USD'): Promise<string> {
  const order = await apiAs<{ id: string }>(page, 'POST', '/orders', { kind: 'new_sim', planCode, currency, newSim: { type: 'esim' } },
    { 'idempotency-key': `browser-${Date.now()}-${Math.random().toString(36).slice(2)}` });
  await apiAs(page, 'POST', `/orders/${order.id}/payments`, { method: 'sandbox', paymentMethodToken: 'pm_sandbox_visa' });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const current = await apiAs<{ status: string; lineId: string | null }>(page, 'GET', `/orders/${order.id}`);
    if (current.status === 'fulfilled' && current.lineId !== null) return current.lineId;
    if (Date.now() > deadline) throw new Error(`order ${order.id} is still ${current.status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Sends usage records of a line as the network would (`POST /api/v1/usage` with the network key). */
export async function reportUsage(portal: Portal, records: ReadonlyArray<{ msisdn: string; type: 'data' | 'voice' | 'sms'; quantity: number; country: string; startedAt: string }>): Promise<void> {
  const response = await fetch(`${portal.baseUrl}/api/v1/usage`, {
    method: 'POST',
    headers: { authorization: `Bearer ${NETWORK_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ records: records.map((r, i) => ({ recordId: `browser-${Date.now()}-${i}`, ...r })) }),
  });
  if (!response.ok) throw new Error(`POST /usage: ${response.status} ${await response.text()}`);
}

/**
 * After a failed test: a screenshot of every page it left open (under test-results/screenshots/,
 * named `failed-…`), then those pages' contexts are closed so that the next test starts clean.
 */
export async function captureFailure(portal: Portal | undefined, task: { name: string; result?: { state?: string; errors?: unknown[] } }): Promise<void> {
  if (portal === undefined) return;
  const failed = task.result?.state === 'fail' || (task.result?.errors?.length ?? 0) > 0;
  const contexts = portal.browser.contexts();
  if (failed) {
    const slug = task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
    const pages = contexts.flatMap((context) => context.pages());
    for (const [index, page] of pages.entries()) {
      await screenshot(page, `failed-${slug}-${index}`).catch(() => undefined);
    }
  }
  for (const context of contexts) await context.close().catch(() => undefined);
}

/**
 * Starts one portal for the enclosing `describe` block and hands it to `started`; a failing test
 * leaves a screenshot (`captureFailure`), and the portal is closed after the block.
 */
export function usePortal(started: (portal: Portal) => void, options: PortalOptions = {}): void {
  let portal: Portal | undefined;
  beforeAll(async () => {
    portal = await startPortal(options);
    started(portal);
  });
  afterEach(async ({ task }) => {
    await captureFailure(portal, task);
  });
  afterAll(async () => {
    await portal?.close();
  });
}
