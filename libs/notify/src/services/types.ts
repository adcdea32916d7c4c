import type { Rendered } from '../render.js';

/** One delivery: the rendered notification, where to, and the settings (secrets resolved). */
export interface Delivery {
  /** The notification id; the same on every attempt. */
  readonly id: string;
  readonly trigger: string;
  readonly app: { readonly namespace: string; readonly name: string };
  readonly serviceName: string;
  readonly recipient: string;
  readonly rendered: Rendered;
  readonly settings: Readonly<Record<string, unknown>>;
  /** What a service remembers between notifications (Slack threads); absent, nothing is. */
  readonly memory?: DeliveryMemory;
}

/** A small shared store for services, kept in Redis by the notifier (all replicas see it). */
export interface DeliveryMemory {
  get(key: string): Promise<string | undefined>;
  /** Stores `value` unless `key` holds one already; returns the value kept. */
  setIfAbsent(key: string, value: string): Promise<string>;
}
