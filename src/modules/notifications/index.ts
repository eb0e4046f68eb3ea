export { createNotificationsService, type NotificationsService } from './notifications.service.js';
export { devOutboxRoutes } from './notifications.routes.js';
export { notificationsMigrations } from './notifications.migrations.js';
export type { OutgoingMessage, Channel, Category } from './notifications.js';
export type { TemplateName } from './notifications.templates.js';
export { TEMPLATE_WORDS } from './notifications.templates.js';
