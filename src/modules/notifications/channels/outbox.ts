import type { ChannelSender } from './channel.js';

/**
 * The `outbox` channel keeps messages in the database instead of sending them; under
 * `npm start` they are read at `GET /api/v1/dev/outbox`. It is the embedded default, and the
 * only channel after which a sensitive message's body is kept.
 */
export const outboxChannel: ChannelSender = {
  transport: 'outbox',
  async send() {
    // Nothing leaves the system: the stored row is the delivered message.
    return { providerMessageIds: [] };
  },
  async close() {},
};
