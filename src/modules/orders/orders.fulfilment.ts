import { inTransaction, type Tx } from '../../platform/db/database.js';
import type { JobHandler } from '../../platform/jobs/index.js';
import type { Language } from '../../platform/i18n.js';
import { formatMoney, type Currency } from '../../platform/money.js';
import type { GrantInput } from '../balances/index.js';
import type { Plan } from '../catalog/index.js';
import type { OutgoingMessage } from '../notifications/index.js';
import type { SimType } from '../provisioning/index.js';
import type { OrdersDeps } from './orders.context.js';
import type { OrdersCore } from './orders.service.js';
import { findOrder, lockOrder, moveOrder, type OrderRow } from './orders.repository.js';

/** Base plans are drawn after add-ons and promotion bonuses that expire at the same time. */
const PRIORITY = { base: 100, addon: 50, bonus: 10 } as const;

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

/** Dates in messages (UTC); a formatter per language, as building one costs far more than using it. */
function dateTimeFormat(language: string): Intl.DateTimeFormat {
  let format = dateTimeFormats.get(language);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
    dateTimeFormats.set(language, format);
  }
  return format;
}

/** The buckets a paid order grants on `lineId` for `[startsAtMs, endsAtMs)`, one idempotency key each. */
export function allowanceGrants(order: OrderRow, plan: Plan, lineId: string, startsAtMs: number, endsAtMs: number): GrantInput[] {
  const coverage = { zoneCode: plan.zone.code, countries: plan.zone.countries };
  const amounts = { data: plan.allowances.dataBytes, voice: plan.allowances.voiceSeconds, sms: plan.allowances.smsCount } as const;
  const grants: GrantInput[] = [];
  for (const kind of ['data', 'voice', 'sms'] as const) {
    if (amounts[kind] <= 0) continue;
    grants.push({
      lineId, kind, amount: amounts[kind], validFromMs: startsAtMs, validUntilMs: endsAtMs, coverage,
      priority: PRIORITY[plan.kind], source: 'order', sourceId: order.id, idempotencyKey: `order:${order.id}:${kind}`,
    });
  }
  if (order.bonus_data_bytes > 0) {
    grants.push({
      lineId, kind: 'data', amount: order.bonus_data_bytes, validFromMs: startsAtMs, validUntilMs: endsAtMs, coverage,
      priority: PRIORITY.bonus, source: 'promotion', sourceId: order.id, idempotencyKey: `order:${order.id}:bonus`,
    });
  }
  return grants;
}

/**
 * The confirmation of a fulfilled order, to each of its contacts: `orders.confirmation`, or
 * `renewals.auto_renewed` for an order that auto-renew placed (the customer was not there: its
 * SMS waits for the end of the customer's night).
 */
export function confirmationMessages(order: OrderRow, plan: Plan, msisdn: string, endsAtMs: number): OutgoingMessage[] {
  const language = order.language as Language;
  const params = {
    plan: plan.texts.name[language],
    number: msisdn,
    total: formatMoney({ amountMinor: order.total_minor, currency: order.currency as Currency }, language),
    until: `${dateTimeFormat(language).format(endsAtMs)} UTC`,
  };
  const base = order.origin === 'auto_renew'
    ? { template: 'renewals.auto_renewed' as const, language, params, customerId: order.customer_id }
    : { template: 'orders.confirmation' as const, language, params: { ...params, order: order.id }, customerId: order.customer_id };
  const messages: OutgoingMessage[] = [];
  if (order.contact_email !== null) messages.push({ ...base, channel: 'email', to: order.contact_email });
  if (order.contact_phone !== null) messages.push({ ...base, channel: 'sms', to: order.contact_phone, respectQuietHours: order.origin === 'auto_renew' });
  return messages;
}

/**
 * Fulfils a paid order exactly once, however many times payment news arrives: the whole of it
 * (line for a new SIM, the period, the allowances, the confirmation) commits in one transaction
 * together with the guarded move `paid -> fulfilled`.
 */
export function createFulfilment(deps: OrdersDeps, core: OrdersCore) {
  const { database, clock, catalog, lines, balances, notifications } = deps;

  async function grantAllowances(tx: Tx, order: OrderRow, plan: Plan, lineId: string, startsAtMs: number, endsAtMs: number): Promise<void> {
    for (const grant of allowanceGrants(order, plan, lineId, startsAtMs, endsAtMs)) await balances.grant(tx, grant);
  }

  /** Where the service of this order runs: computed at fulfilment, so a late payment never overlaps. */
  async function placePeriod(tx: Tx, order: OrderRow, plan: Plan, lineId: string): Promise<{ startsAtMs: number; endsAtMs: number }> {
    const nowMs = clock.nowMs();
    if (order.kind === 'topup') {
      const current = await lines.currentPeriod(tx, lineId, nowMs);
      // Top-ups end with the period they top up; without one they fall back to the plan's own days.
      return { startsAtMs: nowMs, endsAtMs: current?.endsAtMs ?? nowMs + (plan.validityDays ?? 1) * 86_400_000 };
    }
    const period = await lines.nextPeriodFor(tx, lineId, { atMs: nowMs, validityDays: plan.validityDays ?? 0 });
    await lines.addPeriod(tx, { lineId, planCode: plan.code, ...period, orderId: order.id });
    return period;
  }

  async function confirm(tx: Tx, order: OrderRow, plan: Plan, msisdn: string, endsAtMs: number): Promise<void> {
    for (const message of confirmationMessages(order, plan, msisdn, endsAtMs)) await notifications.queue(tx, message);
  }

  async function fulfil(orderId: string): Promise<void> {
    const unlocked = await findOrder(database.db, orderId);
    if (unlocked === undefined || unlocked.status !== 'paid') return;
    const plan = await catalog.getPlan(unlocked.plan_code);
    await inTransaction(database.db, async (tx) => {
      const order = await lockOrder(tx, database.dialect, orderId);
      if (order === undefined || order.status !== 'paid') return;
      const line = order.line_id === null
        ? await lines.createLineWithNewSim(tx, { customerId: order.customer_id, type: (order.new_sim_type ?? 'esim') as SimType })
        : await lines.getLine(tx, order.customer_id, order.line_id);
      const period = await placePeriod(tx, order, plan, line.id);
      await grantAllowances(tx, order, plan, line.id, period.startsAtMs, period.endsAtMs);
      const nowMs = clock.nowMs();
      const moved = await moveOrder(tx, orderId, ['paid'], 'fulfilled', nowMs, {
        line_id: line.id, period_starts_at: period.startsAtMs, period_ends_at: period.endsAtMs, fulfilled_at: nowMs,
      });
      if (!moved) throw new Error(`order ${orderId} left paid while being fulfilled`);
      await core.recordEvent(tx, orderId, 'fulfilled', { lineId: line.id });
      await confirm(tx, order, plan, line.msisdn, period.endsAtMs);
    });
  }

  const fulfilJob: JobHandler = async (job) => fulfil((job.payload as { orderId: string }).orderId);
  const expireJob: JobHandler = async (job) => {
    await core.expireOrder((job.payload as { orderId: string }).orderId);
  };
  return { fulfil, fulfilJob, expireJob };
}
