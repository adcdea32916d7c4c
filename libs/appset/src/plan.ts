import {
  API_VERSION,
  APPLICATION_SET,
  ApplicationsSyncPolicy,
  REFRESHED_REVISIONS_ANNOTATION,
  REFRESH_ANNOTATIONS,
  type Application,
  type ApplicationSet,
} from '@flotilla/api';
import { isObject } from './params.js';

/** What one reconcile of a set does to Applications. */
export interface AppSetPlan {
  readonly create: Application[];
  /** Full objects to write (resourceVersion of the live one kept). */
  readonly update: Application[];
  readonly delete: string[];
  /** Names the set wants but may not have: owned by someone else. */
  readonly collisions: string[];
  /** Names two parameter sets rendered (the first one wins). */
  readonly duplicates: string[];
  /** Every Application the set owns after the plan, sorted. */
  readonly owned: string[];
  /** Deletions the policy allowed but that were held back because something failed. */
  readonly deletesHeld: number;
}

/** Annotations others write on generated Applications; the set never removes them. */
export const PRESERVED_ANNOTATIONS: readonly string[] = [
  ...REFRESH_ANNOTATIONS,
  REFRESHED_REVISIONS_ANNOTATION,
  'notified.notifications.argoproj.io',
];

/** The ownerReference that marks an Application as the set's. */
export function ownerReference(set: ApplicationSet): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: APPLICATION_SET.kind,
    name: set.metadata.name,
    uid: rawMeta(set)['uid'],
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Metadata fields the schema leaves to the apiserver (uid, ownerReferences...). */
export const rawMeta = (o: { metadata: object }): Record<string, unknown> =>
  o.metadata as Record<string, unknown>;

type Ref = {
  apiVersion?: string;
  kind?: string;
  name?: string;
  uid?: string;
  controller?: boolean;
};

/** The set that controls an Application, if any: `namespace`-free name and uid. */
export function controllerOf(app: Application): Ref | undefined {
  const refs = (rawMeta(app)['ownerReferences'] as Ref[] | undefined) ?? [];
  return refs.find((r) => r.kind === APPLICATION_SET.kind && r.apiVersion === API_VERSION);
}

/** True when `app` belongs to `set` (same uid). */
export function isOwnedBy(app: Application, set: ApplicationSet): boolean {
  const ref = controllerOf(app);
  return !!ref && ref.uid === rawMeta(set)['uid'] && ref.name === set.metadata.name;
}

const policyOf = (set: ApplicationSet) =>
  set.spec.syncPolicy?.applicationsSync ?? ApplicationsSyncPolicy.Sync;

const allowsUpdate = (p: string) =>
  p === ApplicationsSyncPolicy.CreateUpdate || p === ApplicationsSyncPolicy.Sync;
const allowsDelete = (p: string) =>
  p === ApplicationsSyncPolicy.CreateDelete || p === ApplicationsSyncPolicy.Sync;

function pointerGet(obj: unknown, pointer: string): { found: boolean; value?: unknown } {
  let at: unknown = obj;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(at)) at = at[Number(key)];
    else if (isObject(at) && key in at) at = at[key];
    else return { found: false };
  }
  return { found: true, value: at };
}

function pointerSet(obj: Record<string, unknown>, pointer: string, value: unknown): void {
  const keys = pointer
    .split('/')
    .slice(1)
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  let at: unknown = obj;
  for (const [i, k] of keys.entries()) {
    const last = i === keys.length - 1;
    if (Array.isArray(at)) {
      // Only items the Application has: an index never grows a list.
      const n = Number(k);
      if (!/^(0|[1-9]\d*)$/.test(k) || n >= at.length) return;
      if (last) at[n] = value;
      else at = at[n];
    } else if (isObject(at)) {
      if (last) at[k] = value;
      else {
        if (!isObject(at[k]) && !Array.isArray(at[k])) at[k] = {};
        at = at[k];
      }
    } else return;
  }
}

function keepLive(
  keys: readonly string[],
  live: Record<string, string> | undefined,
  want: Record<string, string> | undefined,
): Record<string, string> | undefined {
  const out = { ...(want ?? {}) };
  for (const k of keys) if (live?.[k] !== undefined && !(k in out)) out[k] = live[k];
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * The object to write over `live`: the set's fields, with what others may own
 * kept. `extraPointers` are more ignored fields (the paths the rules' jq
 * expressions select in `live`); like `jsonPointers`, those under `/spec/`
 * keep their live value.
 */
export function updated(
  set: ApplicationSet,
  want: Application,
  live: Application,
  extraPointers: readonly string[] = [],
): Application {
  const spec = structuredClone(want.spec) as Record<string, unknown>;
  const pointers = [...extraPointers];
  for (const rule of set.spec.ignoreApplicationDifferences ?? []) {
    if (rule.name && rule.name !== want.metadata.name) continue;
    pointers.push(...(rule.jsonPointers ?? []));
  }
  for (const p of pointers) {
    if (!p.startsWith('/spec/')) continue;
    const got = pointerGet(live, p);
    if (got.found) pointerSet(spec, p.slice('/spec'.length), structuredClone(got.value));
  }
  const labels = keepLive(
    set.spec.preservedFields?.labels ?? [],
    live.metadata.labels,
    want.metadata.labels,
  );
  const annotations = keepLive(
    [...PRESERVED_ANNOTATIONS, ...(set.spec.preservedFields?.annotations ?? [])],
    live.metadata.annotations,
    want.metadata.annotations,
  );
  const metadata: Application['metadata'] = { ...live.metadata, ...want.metadata };
  // Field ownership stays the apiserver's: a PUT carrying managedFields would replace it.
  delete (metadata as Record<string, unknown>)['managedFields'];
  if (labels) metadata.labels = labels;
  else delete metadata.labels;
  if (annotations) metadata.annotations = annotations;
  else delete metadata.annotations;
  Object.assign(metadata, {
    ownerReferences: rawMeta(live)['ownerReferences'],
    resourceVersion: rawMeta(live)['resourceVersion'],
  });
  const out: Application = { ...live, metadata, spec: spec as Application['spec'] };
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (isObject(v))
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .filter((k) => v[k] !== undefined)
        .map((k) => [k, sorted(v[k])]),
    );
  return v;
}

function changed(next: Application, live: Application): boolean {
  const m = (a: Application) => ({
    labels: a.metadata.labels ?? {},
    annotations: a.metadata.annotations ?? {},
    finalizers: a.metadata.finalizers ?? [],
  });
  return !same(next.spec, live.spec) || !same(m(next), m(live));
}

/**
 * Decides what a reconcile does, from the Applications the set renders and
 * those in its namespace. Only Applications the set owns are updated or
 * deleted; a wanted name held by anyone else is a collision, left alone.
 * Deletions happen only when `complete` (every generator and every render
 * worked), so a failure never removes Applications.
 */
export function planAppSet(
  set: ApplicationSet,
  desired: readonly Application[],
  existing: readonly Application[],
  complete: boolean,
  ignored: {
    /** Per Application, pointers of more fields to keep (from jq path expressions). */
    readonly pointers?: ReadonlyMap<string, readonly string[]>;
    /** Applications not to update (their ignore rules could not be evaluated). */
    readonly hold?: ReadonlySet<string>;
  } = {},
): AppSetPlan {
  const policy = policyOf(set);
  const live = new Map(existing.map((a) => [a.metadata.name ?? '', a]));
  const wanted = new Map<string, Application>();
  const duplicates: string[] = [];
  for (const app of desired) {
    const name = app.metadata.name ?? '';
    if (wanted.has(name)) duplicates.push(name);
    else wanted.set(name, app);
  }
  const plan = {
    create: [] as Application[],
    update: [] as Application[],
    delete: [] as string[],
    collisions: [] as string[],
    duplicates: [...new Set(duplicates)],
    owned: [] as string[],
    deletesHeld: 0,
  };
  const owned = new Set<string>();
  for (const [name, want] of wanted) {
    const cur = live.get(name);
    if (!cur) {
      plan.create.push({
        ...want,
        metadata: {
          ...want.metadata,
          ownerReferences: [ownerReference(set)],
        } as Application['metadata'],
      });
      owned.add(name);
      continue;
    }
    if (!isOwnedBy(cur, set)) {
      plan.collisions.push(name);
      continue;
    }
    owned.add(name);
    if (rawMeta(cur)['deletionTimestamp']) continue;
    if (ignored.hold?.has(name)) continue;
    const next = updated(set, want, cur, ignored.pointers?.get(name));
    if (allowsUpdate(policy) && changed(next, cur)) plan.update.push(next);
  }
  for (const app of existing) {
    const name = app.metadata.name ?? '';
    if (wanted.has(name) || !isOwnedBy(app, set)) continue;
    if (!allowsDelete(policy) || rawMeta(app)['deletionTimestamp']) {
      owned.add(name);
      continue;
    }
    if (!complete) {
      plan.deletesHeld++;
      owned.add(name);
      continue;
    }
    plan.delete.push(name);
  }
  plan.owned = [...owned].sort();
  plan.delete.sort();
  return plan;
}
