export { compileExpr, holds, type Expr } from './expr.js';
export { compileTemplate, type Template } from './template.js';
export {
  CATALOG_TRIGGERS,
  CATALOG_TEMPLATES,
  type TemplateSpec,
  type TriggerCondition,
} from './catalog.js';
export {
  parseNotifyConfig,
  resolveSecrets,
  SERVICE_TYPES,
  type NotifyConfig,
  type ServiceConfig,
  type ServiceType,
} from './config.js';
export { subscriptionsOf, SUBSCRIBE_PREFIXES, type Subscription } from './subscriptions.js';
export { appAsOfEvent, EVALUATED_EVENTS } from './snapshot.js';
export { judge, stateKey, notificationId, type Candidate, type NotifyEnv } from './plan.js';
export { renderNotification, type Rendered } from './render.js';
export { Outbox, type PlannedNotification } from './outbox.js';
export { Notifier, type NotifierSources, type NotifyResult, type Rejection } from './notifier.js';
export {
  SENDERS,
  SIGNATURE_HEADER,
  DELIVERY_HEADER,
  signature,
  repoSlug,
  type Delivery,
  type DeliveryMemory,
} from './services/index.js';
export {
  ExprError,
  TemplateError,
  NotifyConfigError,
  DeliveryError,
  isPermanent,
} from './errors.js';
