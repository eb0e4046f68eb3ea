import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { TestClient, latestCodeFor } from './http.js';

let ipCounter = 0;

/** A client with its own IP address, so per-IP limits of one test do not leak into another. */
export function newClient(app: FastifyInstance): TestClient {
  ipCounter += 1;
  return new TestClient(app, `198.51.${Math.floor(ipCounter / 250) % 250}.${(ipCounter % 250) + 1}`);
}

let contactCounter = 0;

/** A fresh e-mail address for one test. */
export function uniqueEmail(label = 'traveller'): string {
  contactCounter += 1;
  return `${label}.${contactCounter}.${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/** A fresh valid Hong Kong mobile number (HK is on the default SMS allow-list). */
export function uniqueHkMobile(): string {
  contactCounter += 1;
  // +852 61xx xxxx is entirely mobile in the numbering plan libphonenumber knows.
  return `+85261${String((contactCounter * 7919 + Math.floor(Math.random() * 100_000)) % 1_000_000).padStart(6, '0')}`;
}

export const GOOD_PASSWORD = 'correct-horse-battery-staple';

/** Registers and verifies an account through the API; the client ends signed in. */
export async function signUp(client: TestClient, contact: string = uniqueEmail(), password = GOOD_PASSWORD): Promise<{ contact: string; customerId: string }> {
  const registered = await client.post('/api/v1/auth/register', { contact, password });
  expect(registered.statusCode, registered.body).toBe(202);
  const code = await latestCodeFor(client, contact);
  const verified = await client.post('/api/v1/auth/verify', { contact, code });
  expect(verified.statusCode, verified.body).toBe(200);
  return { contact, customerId: (verified.json() as { customer: { id: string } }).customer.id };
}

/** Asserts an `application/problem+json` answer with this status and code. */
export function expectProblem(response: { statusCode: number; headers: Record<string, unknown>; json(): unknown; body: string }, status: number, code: string): void {
  expect(response.statusCode, response.body).toBe(status);
  expect(String(response.headers['content-type'])).toContain('application/problem+json');
  const body = response.json() as { code: string; status: number; requestId: string; detail: string };
  expect(body.code).toBe(code);
  expect(body.status).toBe(status);
  expect(body.requestId).toMatch(/^req_/);
  expect(body.detail.length).toBeGreaterThan(0);
}
