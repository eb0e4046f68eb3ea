import type { SmsChannelConfig } from '../../../platform/config.notifications.js';
import { PermanentDeliveryError, TransientDeliveryError, type ChannelSender, type Deliverable } from './channel.js';

export type HttpGatewayConfig = Extract<SmsChannelConfig, { kind: 'http' }>;

const REQUEST_TIMEOUT_MS = 10_000;
const MAX_ERROR_TEXT = 200;

/**
 * Answers after which the same request will never succeed: malformed or refused message, unknown
 * or blocked destination. 401 and 403 are not among them (they say our token is wrong, which a
 * person fixes; the job retries, then parks), nor 408, 409, 425, 429 and 5xx (try later).
 */
const PERMANENT_HTTP_STATUSES = new Set([400, 404, 410, 413, 415, 422]);

/**
 * A generic HTTP SMS gateway: `POST <url>` with `Authorization: Bearer <token>`, an
 * `Idempotency-Key` (the notification id, so a gateway that honours it never sends a retried
 * message twice) and the JSON body `{ "to": "+E.164", "from"?: sender, "text", "reference" }`.
 * A 2xx answer may carry the gateway's message id as `id` or `messageId`; delivery receipts come
 * back to `POST /api/v1/notifications/sms-receipts` naming the message by that id or by `reference`.
 */
export function createHttpGatewayChannel(config: HttpGatewayConfig, fetchImpl: typeof fetch = fetch): ChannelSender {
  return {
    transport: 'http',
    async send(message: Deliverable) {
      let response: Response;
      try {
        response = await fetchImpl(config.url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${config.token}`,
            'content-type': 'application/json',
            accept: 'application/json',
            'idempotency-key': message.id,
          },
          body: JSON.stringify({ to: message.to, ...(config.sender !== undefined ? { from: config.sender } : {}), text: message.text, reference: message.id }),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          redirect: 'error',
        });
      } catch (error) {
        throw new TransientDeliveryError(`SMS gateway unreachable: ${error instanceof Error ? error.message : String(error)}`);
      }
      const body = await response.text().catch(() => '');
      if (!response.ok) {
        // The gateway may echo the request; a sensitive message's answer is not kept.
        const detail = message.sensitive ? '' : `: ${body.slice(0, MAX_ERROR_TEXT)}`;
        const text = `SMS gateway answered ${response.status}${detail}`;
        throw PERMANENT_HTTP_STATUSES.has(response.status) ? new PermanentDeliveryError(text) : new TransientDeliveryError(text);
      }
      // Without an id of its own, the gateway's receipts name the message by our reference.
      return { providerMessageIds: gatewayMessageId(body) ?? [message.id] };
    },
    async close() {},
  };
}

function gatewayMessageId(body: string): string[] | undefined {
  try {
    const parsed = JSON.parse(body) as { id?: unknown; messageId?: unknown };
    const id = parsed.messageId ?? parsed.id;
    return (typeof id === 'string' && id !== '') || typeof id === 'number' ? [String(id)] : undefined;
  } catch {
    return undefined;
  }
}
