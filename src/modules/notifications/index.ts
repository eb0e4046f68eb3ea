/**
 * Notifications: templates (en, zh-CN, zh-TW; SMS text, e-mail text and HTML), channels chosen by
 * configuration (outbox, SMTP, SMPP, HTTP SMS gateway), delivery by jobs with retries, delivery
 * status per message, marketing consent and SMS quiet hours. Other modules call `queue`.
 */
export { createNotificationsService, DELIVER_JOB, type NotificationsService, type NotificationsDeps, type DeliveryView, type GatewayReceipt } from './notifications.service.js';
export { devOutboxRoutes, smsGatewayReceiptRoutes } from './notifications.routes.js';
export { notificationsMigrations } from './notifications.migrations.js';
export type { OutgoingMessage, Channel, Category, DeliveryStatus, RecipientProfile, FindRecipientProfile, Transport } from './notifications.js';
export type { TemplateName } from './notifications.templates.js';
export { TEMPLATES, TEMPLATE_WORDS } from './notifications.templates.js';
export { renderMessage } from './notifications.render.js';
export { quietHoursReleaseMs, COUNTRY_TIME_ZONES } from './quiet-hours.js';
