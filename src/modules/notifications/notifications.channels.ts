import type { NotificationRow } from './notifications.repository.js';

/**
 * A delivery channel. `send` resolves when the message was accepted by the next hop and throws
 * when it was not (the delivery job then retries with backoff).
 */
export interface ChannelSender {
  readonly name: string;
  send(message: NotificationRow): Promise<void>;
}

/**
 * The `outbox` channel keeps messages in the database instead of sending them; under
 * `npm start` they are read at `GET /api/v1/dev/outbox`. It is the embedded default.
 */
export const outboxChannel: ChannelSender = {
  name: 'outbox',
  async send() {
    // Nothing leaves the system: the stored row is the delivered message.
  },
};
