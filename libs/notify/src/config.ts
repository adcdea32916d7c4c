// The notification settings, read from a ConfigMap shaped like Argo CD's
// argocd-notifications-cm (`trigger.<name>`, `template.<name>`,
// `service.<type>[.<name>]`, `defaultTriggers`, `subscriptions`, `context`),
// with secrets referenced as `$key` from a Secret. A broken entry is reported
// and left out; the rest keeps working.
import { parse as parseYaml } from 'yaml';
import {
  CATALOG_TEMPLATES,
  CATALOG_TRIGGERS,
  DEFAULT_TRIGGERS,
  type TemplateSpec,
  type TriggerCondition,
} from './catalog.js';
import { compileExpr, type Expr } from './expr.js';

/** The service types Flotilla can send to. */
export const SERVICE_TYPES = ['webhook', 'slack', 'teams', 'github', 'email'] as const;
/** One service type. */
export type ServiceType = (typeof SERVICE_TYPES)[number];

/** A configured service: its type and its settings, `$key` references still unresolved. */
export interface ServiceConfig {
  readonly name: string;
  readonly type: ServiceType;
  readonly settings: Readonly<Record<string, unknown>>;
}

/** A trigger condition with its expressions compiled. */
export interface CompiledCondition extends TriggerCondition {
  readonly whenExpr: Expr;
  readonly oncePerExpr?: Expr;
}

/** A subscription from the ConfigMap's `subscriptions` list. */
export interface GlobalSubscription {
  readonly recipients: readonly string[];
  readonly triggers: readonly string[];
  /** Equality label selector (`k=v,k2=v2`); every app when empty. */
  readonly selector: Readonly<Record<string, string>>;
}

/** Everything the notifier reads from its ConfigMap. */
export interface NotifyConfig {
  readonly triggers: ReadonlyMap<string, readonly CompiledCondition[]>;
  readonly templates: ReadonlyMap<string, TemplateSpec>;
  readonly services: ReadonlyMap<string, ServiceConfig>;
  readonly defaultTriggers: readonly string[];
  readonly subscriptions: readonly GlobalSubscription[];
  /** `.context` in templates; `flotillaUrl` (and `argocdUrl`, its alias) link to the UI. */
  readonly context: Readonly<Record<string, string>>;
  /** Entries left out, with why. */
  readonly problems: readonly string[];
}

function compileCondition(c: TriggerCondition): CompiledCondition {
  return {
    ...c,
    whenExpr: compileExpr(c.when),
    ...(c.oncePer ? { oncePerExpr: compileExpr(c.oncePer) } : {}),
  };
}

function asConditions(v: unknown): TriggerCondition[] {
  if (!Array.isArray(v)) throw new Error('must be a list of conditions');
  return v.map((c: Record<string, unknown>) => {
    const when = c?.['when'];
    const send = c?.['send'];
    if (typeof when !== 'string' && typeof when !== 'boolean')
      throw new Error('a condition needs `when`');
    if (!Array.isArray(send) || send.length === 0)
      throw new Error('a condition needs `send` templates');
    return {
      when: String(when),
      send: send.map(String),
      ...(typeof c['oncePer'] === 'string' ? { oncePer: c['oncePer'] } : {}),
      ...(typeof c['description'] === 'string' ? { description: c['description'] } : {}),
    };
  });
}

function parseSelector(s: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of String(s ?? '').split(',')) {
    const [k, v] = part.split('=').map((x) => x.trim());
    if (k) out[k] = v ?? '';
  }
  return out;
}

/** Parses ConfigMap data; built-in triggers and templates fill in what it does not name. */
export function parseNotifyConfig(data: Readonly<Record<string, string>> = {}): NotifyConfig {
  const problems: string[] = [];
  const triggers = new Map<string, CompiledCondition[]>();
  const templates = new Map<string, TemplateSpec>(Object.entries(CATALOG_TEMPLATES));
  const services = new Map<string, ServiceConfig>();
  for (const [name, conds] of Object.entries(CATALOG_TRIGGERS))
    triggers.set(name, conds.map(compileCondition));
  let defaultTriggers: string[] = [...DEFAULT_TRIGGERS];
  let subscriptions: GlobalSubscription[] = [];
  let context: Record<string, string> = {};
  for (const [key, text] of Object.entries(data)) {
    try {
      const value: unknown = parseYaml(text);
      if (key.startsWith('trigger.')) {
        triggers.set(key.slice(8), asConditions(value).map(compileCondition));
      } else if (key.startsWith('template.')) {
        if (!value || typeof value !== 'object') throw new Error('must be a mapping');
        templates.set(key.slice(9), value as TemplateSpec);
      } else if (key.startsWith('service.')) {
        const [type, ...rest] = key.slice(8).split('.');
        if (!(SERVICE_TYPES as readonly string[]).includes(type ?? ''))
          throw new Error(
            `unsupported service type ${JSON.stringify(type)}; supported: ${SERVICE_TYPES.join(', ')}`,
          );
        const name = rest.length > 0 ? rest.join('.') : type!;
        services.set(name, {
          name,
          type: type as ServiceType,
          settings: (value ?? {}) as Record<string, unknown>,
        });
      } else if (key === 'defaultTriggers') {
        defaultTriggers = (Array.isArray(value) ? value : [value]).map(String);
      } else if (key === 'subscriptions') {
        if (!Array.isArray(value)) throw new Error('must be a list');
        subscriptions = value.map((s: Record<string, unknown>) => ({
          recipients: ((s['recipients'] as unknown[]) ?? []).map(String),
          triggers: ((s['triggers'] as unknown[]) ?? []).map(String),
          selector: parseSelector(s['selector']),
        }));
      } else if (key === 'context') {
        context = Object.fromEntries(
          Object.entries((value ?? {}) as object).map(([k, v]) => [k, String(v)]),
        );
      }
    } catch (err) {
      problems.push(`${key}: ${(err as Error).message}`);
    }
  }
  const url = context['flotillaUrl'] ?? context['argocdUrl'] ?? '';
  return {
    triggers,
    templates,
    services,
    defaultTriggers,
    subscriptions,
    context: { ...context, flotillaUrl: url, argocdUrl: url },
    problems,
  };
}

const SECRET_REF = /\$([A-Za-z0-9_.-]+)/g;

/**
 * Replaces `$key` references in every string of a service's settings with the
 * Secret's values; a reference to a missing key stays as written.
 */
export function resolveSecrets<T>(value: T, secrets: Readonly<Record<string, string>>): T {
  if (typeof value === 'string')
    return value.replace(SECRET_REF, (m, k: string) => secrets[k] ?? m) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => resolveSecrets(v, secrets)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveSecrets(v, secrets)]),
    ) as T;
  return value;
}
