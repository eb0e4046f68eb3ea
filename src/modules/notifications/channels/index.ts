import type { Logger } from 'pino';
import type { NotificationsConfig } from '../../../platform/config.notifications.js';
import type { ChannelSender, ChannelSet, ReceiptSink } from './channel.js';
import { createHttpGatewayChannel } from './http-gateway.js';
import { outboxChannel } from './outbox.js';
import { createSmppChannel } from './smpp.js';
import { createSmtpChannel } from './smtp.js';

export * from './channel.js';
export { outboxChannel } from './outbox.js';

export interface ChannelContext {
  readonly log: Logger;
  readonly publicUrl: string;
  /** Where delivery receipts from the network go. */
  readonly onReceipt: ReceiptSink;
}

/** The channels the configuration chooses. Nothing connects until the first message. */
export function createChannels(config: NotificationsConfig, context: ChannelContext): ChannelSet {
  const email: ChannelSender = config.email.kind === 'smtp' ? createSmtpChannel(config.email, context.publicUrl) : outboxChannel;
  let sms: ChannelSender = outboxChannel;
  if (config.sms.kind === 'smpp') sms = createSmppChannel(config.sms, context.log, context.onReceipt);
  else if (config.sms.kind === 'http') sms = createHttpGatewayChannel(config.sms);
  return {
    email,
    sms,
    async close() {
      await Promise.allSettled([email.close(), sms.close()]);
    },
  };
}
