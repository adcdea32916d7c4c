import type { ServiceType } from '../config.js';
import { sendSlack, sendTeams } from './chat.js';
import { sendEmail } from './email.js';
import { sendGitHub } from './github.js';
import type { Delivery } from './types.js';
import { sendWebhook } from './webhook.js';

/** The sender of each service type. */
export const SENDERS: Readonly<Record<ServiceType, (d: Delivery) => Promise<void>>> = {
  webhook: sendWebhook,
  slack: sendSlack,
  teams: sendTeams,
  github: sendGitHub,
  email: sendEmail,
};
export type { Delivery, DeliveryMemory } from './types.js';
export { SIGNATURE_HEADER, DELIVERY_HEADER, signature } from './webhook.js';
export { repoSlug } from './github.js';
