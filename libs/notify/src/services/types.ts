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
}
