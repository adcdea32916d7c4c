// Who is told what: subscriptions from annotations on the Application and its
// AppProject (Argo CD's `notifications.argoproj.io/subscribe.<trigger>.<service>`
// and Flotilla's `notifications.flotilla.dev/...` spelling) and from the
// ConfigMap's `subscriptions` list.
import type { NotifyConfig } from './config.js';

/** Annotation prefixes that declare subscriptions. */
export const SUBSCRIBE_PREFIXES = [
  'notifications.argoproj.io/subscribe.',
  'notifications.flotilla.dev/subscribe.',
] as const;

/** One destination of one trigger. */
export interface Subscription {
  readonly trigger: string;
  readonly service: string;
  readonly recipient: string;
}

/** Objects that can carry subscription annotations. */
interface Annotated {
  readonly metadata?: {
    readonly annotations?: Readonly<Record<string, string>>;
    readonly labels?: Readonly<Record<string, string>>;
  };
}

function splitRecipients(v: string): string[] {
  const parts = v.split(';').map((r) => r.trim());
  const nonEmpty = parts.filter(Boolean);
  // `subscribe.on-x.webhook: ""` subscribes the webhook itself, with no recipient.
  return nonEmpty.length > 0 ? nonEmpty : [''];
}

/**
 * The subscriptions of an app, from its annotations, its project's and the
 * ConfigMap's list, de-duplicated. `subscribe.<service>` (no trigger) uses the
 * default triggers. A service name may contain dots; the trigger never does.
 */
export function subscriptionsOf(
  config: NotifyConfig,
  app: Annotated,
  project?: Annotated,
): Subscription[] {
  const out = new Map<string, Subscription>();
  const add = (s: Subscription) => out.set(`${s.trigger}\u0000${s.service}\u0000${s.recipient}`, s);
  for (const obj of [project, app]) {
    for (const [key, value] of Object.entries(obj?.metadata?.annotations ?? {})) {
      const prefix = SUBSCRIBE_PREFIXES.find((p) => key.startsWith(p));
      if (!prefix) continue;
      const rest = key.slice(prefix.length);
      const dot = rest.indexOf('.');
      const trigger = dot > 0 ? rest.slice(0, dot) : undefined;
      const service = dot > 0 ? rest.slice(dot + 1) : rest;
      // `subscribe.<service>` when `<trigger>.<service>` does not name a known trigger.
      const named = trigger !== undefined && config.triggers.has(trigger);
      const triggers = named ? [trigger] : config.defaultTriggers;
      const svc = named ? service : rest;
      for (const t of triggers)
        for (const recipient of splitRecipients(value))
          add({ trigger: t, service: svc, recipient });
    }
  }
  const labels = app.metadata?.labels ?? {};
  for (const s of config.subscriptions) {
    if (!Object.entries(s.selector).every(([k, v]) => labels[k] === v)) continue;
    for (const r of s.recipients) {
      const i = r.indexOf(':');
      const service = i >= 0 ? r.slice(0, i) : r;
      const recipient = i >= 0 ? r.slice(i + 1) : '';
      for (const t of s.triggers.length > 0 ? s.triggers : config.defaultTriggers)
        add({ trigger: t, service, recipient });
    }
  }
  return [...out.values()];
}
