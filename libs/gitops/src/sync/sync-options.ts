// Sync options, from an app's `spec.syncPolicy.syncOptions` and from a
// resource's `sync-options` annotation, merged with the resource winning.
import {
  ArgoAnnotation,
  FlotillaAnnotation,
  annotationsOf,
  csv,
  helmKeeps,
  type KubeObject,
} from '../resource/index.js';

/** Values of `Prune=` and `Delete=`. */
export const DeletionMode = {
  Allowed: 'true',
  Disabled: 'false',
  /** Wait for an approval annotation on the app before deleting. */
  Confirm: 'confirm',
} as const;
/** Values of `Prune=` and `Delete=`. */
export type DeletionMode = (typeof DeletionMode)[keyof typeof DeletionMode];

/** How a prune deletes dependents (`PrunePropagationPolicy=`). */
export const PropagationPolicy = {
  Foreground: 'foreground',
  Background: 'background',
  Orphan: 'orphan',
} as const;
/** How a prune deletes dependents. */
export type PropagationPolicy = (typeof PropagationPolicy)[keyof typeof PropagationPolicy];

/** Every sync option, fully resolved. */
export interface EffectiveSyncOptions {
  readonly prune: DeletionMode;
  readonly delete: DeletionMode;
  readonly validate: boolean;
  readonly skipDryRunOnMissingResource: boolean;
  readonly pruneLast: boolean;
  readonly replace: boolean;
  readonly force: boolean;
  readonly serverSideApply: boolean;
  readonly applyOutOfSyncOnly: boolean;
  readonly clientSideApplyMigration: boolean;
  readonly createNamespace: boolean;
  readonly prunePropagationPolicy: PropagationPolicy;
  readonly respectIgnoreDifferences: boolean;
  readonly failOnSharedResource: boolean;
}

/** The options one list sets; unset ones are absent. */
export type SyncOptionValues = Partial<EffectiveSyncOptions>;

/** A parsed option list: what it sets and the items that made no sense. */
export interface ParsedSyncOptions {
  readonly values: SyncOptionValues;
  /** Items that are unknown, malformed or not allowed where they were written. */
  readonly unknown: readonly string[];
}

/** Where an option list was written. */
export type SyncOptionScope = 'app' | 'resource';

/**
 * The defaults. Server-side apply is on: Flotilla applies with field manager
 * `flotilla` unless `ServerSideApply=false` says otherwise.
 */
export const DEFAULT_SYNC_OPTIONS: EffectiveSyncOptions = {
  prune: DeletionMode.Allowed,
  delete: DeletionMode.Allowed,
  validate: true,
  skipDryRunOnMissingResource: false,
  pruneLast: false,
  replace: false,
  force: false,
  serverSideApply: true,
  applyOutOfSyncOnly: false,
  clientSideApplyMigration: true,
  createNamespace: false,
  prunePropagationPolicy: PropagationPolicy.Foreground,
  respectIgnoreDifferences: false,
  failOnSharedResource: false,
};

type Field = keyof EffectiveSyncOptions;
type Parser = (value: string) => EffectiveSyncOptions[Field] | undefined;

const bool: Parser = (v) => (v === 'true' ? true : v === 'false' ? false : undefined);
const oneOf =
  (values: readonly string[]): Parser =>
  (v) =>
    values.includes(v) ? (v as EffectiveSyncOptions[Field]) : undefined;
const deletion = oneOf(Object.values(DeletionMode));

interface OptionSpec {
  readonly field: Field;
  readonly parse: Parser;
  readonly scopes: readonly SyncOptionScope[];
}

const BOTH: readonly SyncOptionScope[] = ['app', 'resource'];
const OPTIONS: Readonly<Record<string, OptionSpec>> = {
  Prune: { field: 'prune', parse: deletion, scopes: BOTH },
  Delete: { field: 'delete', parse: deletion, scopes: BOTH },
  Validate: { field: 'validate', parse: bool, scopes: BOTH },
  SkipDryRunOnMissingResource: { field: 'skipDryRunOnMissingResource', parse: bool, scopes: BOTH },
  PruneLast: { field: 'pruneLast', parse: bool, scopes: BOTH },
  Replace: { field: 'replace', parse: bool, scopes: BOTH },
  Force: { field: 'force', parse: bool, scopes: ['resource'] },
  ServerSideApply: { field: 'serverSideApply', parse: bool, scopes: BOTH },
  ApplyOutOfSyncOnly: { field: 'applyOutOfSyncOnly', parse: bool, scopes: BOTH },
  ClientSideApplyMigration: { field: 'clientSideApplyMigration', parse: bool, scopes: BOTH },
  CreateNamespace: { field: 'createNamespace', parse: bool, scopes: ['app'] },
  PrunePropagationPolicy: {
    field: 'prunePropagationPolicy',
    parse: oneOf(Object.values(PropagationPolicy)),
    scopes: ['app'],
  },
  RespectIgnoreDifferences: { field: 'respectIgnoreDifferences', parse: bool, scopes: ['app'] },
  FailOnSharedResource: { field: 'failOnSharedResource', parse: bool, scopes: ['app'] },
};

/**
 * Parses `Key=value` items, later items winning. Names and values are
 * case-sensitive, as in Argo CD; anything else lands in `unknown`.
 */
export function parseSyncOptions(
  items: readonly string[],
  scope: SyncOptionScope,
): ParsedSyncOptions {
  const values: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const raw of items) {
    const item = raw.trim();
    const eq = item.indexOf('=');
    const spec = eq > 0 ? OPTIONS[item.slice(0, eq)] : undefined;
    const value = spec?.scopes.includes(scope) ? spec.parse(item.slice(eq + 1)) : undefined;
    if (spec === undefined || value === undefined) unknown.push(item);
    else values[spec.field] = value;
  }
  return { values: values as SyncOptionValues, unknown };
}

/**
 * The app-level options of one sync: `spec.syncPolicy.syncOptions`, then the
 * operation's own `syncOptions`, which win where both set an option.
 */
export function parseAppSyncOptions(
  specOptions: readonly string[] | undefined,
  operationOptions?: readonly string[],
): ParsedSyncOptions {
  return parseSyncOptions([...(specOptions ?? []), ...(operationOptions ?? [])], 'app');
}

/**
 * The options a resource sets for itself: `argocd.argoproj.io/sync-options`,
 * then `flotilla.dev/sync-options` (winning per option), and
 * `helm.sh/resource-policy: keep` as Delete=false unless Delete is set.
 */
export function resourceSyncOptions(obj: KubeObject): ParsedSyncOptions {
  const ann = annotationsOf(obj);
  const items = [
    ...csv(ann[ArgoAnnotation.SyncOptions]),
    ...csv(ann[FlotillaAnnotation.SyncOptions]),
  ];
  const parsed = parseSyncOptions(items, 'resource');
  if (parsed.values.delete !== undefined || !helmKeeps(obj)) return parsed;
  return { ...parsed, values: { ...parsed.values, delete: DeletionMode.Disabled } };
}

/** App options overlaid with resource options (resource wins), over the defaults. */
export function effectiveSyncOptions(
  app: SyncOptionValues,
  resource: SyncOptionValues = {},
): EffectiveSyncOptions {
  return { ...DEFAULT_SYNC_OPTIONS, ...defined(app), ...defined(resource) };
}

function defined(values: SyncOptionValues): SyncOptionValues {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}
