// Client-side apply (`ServerSideApply=false`), as `kubectl apply` without
// `--server-side`: the object remembers what was last applied in the
// `kubectl.kubernetes.io/last-applied-configuration` annotation, and an update
// is a three-way merge patch computed from that record, the live object and
// the desired one. Fields someone else set and the manifests never named are
// kept; fields the manifests stopped naming are removed.
//
// The patch is an RFC 7396 JSON merge patch for every kind (kubectl uses one
// for custom resources and a strategic merge patch for built-in kinds): a list
// is replaced whole by the desired list, where a strategic merge would merge
// lists such as containers by name. No maintained JavaScript library computes
// strategic merge patches, which need each built-in type's patch strategy.
import { generate, merge } from 'json-merge-patch';
import type { ResourceKey } from '@flotilla/contracts';
import {
  ApiError,
  collectionPath,
  keyOf,
  rawRequest,
  UnknownKindError,
  type Discovery,
  type KubeConfig,
  type KubernetesObject,
} from '@flotilla/kube';

/** Where `kubectl apply` keeps the configuration it last applied. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** What a client-side apply did, in kubectl's words. */
export type ClientApplyVerb = 'created' | 'configured' | 'unchanged';

/** Options of {@link clientSideApply}. */
export interface ClientApplyOptions {
  readonly fieldManager: string;
  readonly dryRun?: boolean;
  readonly fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The patch that takes `live` to `desired` given what was `lastApplied`:
 * removals are the fields `lastApplied` had and `desired` dropped; changes are
 * where `desired` differs from `live`, never removing a field `desired` does
 * not name. Undefined when there is nothing to change.
 */
export function threeWayMergePatch(
  lastApplied: Json | undefined,
  live: Json,
  desired: Json,
): Json | undefined {
  const removals = onlyRemovals(generate(lastApplied ?? {}, desired));
  const changes = withoutRemovals(generate(live, desired));
  const patch = merge(removals ?? {}, changes ?? {}) as Json;
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/** The null leaves of a merge patch (and the objects on their way). */
function onlyRemovals(patch: unknown): Json | undefined {
  if (!isObject(patch)) return undefined;
  const out: Json = {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) out[k] = null;
    else {
      const nested = onlyRemovals(v);
      if (nested) out[k] = nested;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A merge patch without its null leaves: nothing is removed. */
function withoutRemovals(patch: unknown): Json | undefined {
  if (!isObject(patch)) return undefined;
  const out: Json = {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) continue;
    if (isObject(v)) {
      const nested = withoutRemovals(v);
      if (nested) out[k] = nested;
    } else out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** `obj` with the last-applied annotation recording `obj` itself (without that annotation). */
export function withLastApplied(obj: KubernetesObject): Json {
  const record = structuredClone(obj) as Json;
  const meta = { ...((record['metadata'] as Json | undefined) ?? {}) };
  const annotations = { ...((meta['annotations'] as Json | undefined) ?? {}) };
  delete annotations[LAST_APPLIED_ANNOTATION];
  if (Object.keys(annotations).length > 0) meta['annotations'] = annotations;
  else delete meta['annotations'];
  record['metadata'] = meta;
  const text = JSON.stringify(record);
  return {
    ...record,
    metadata: { ...meta, annotations: { ...annotations, [LAST_APPLIED_ANNOTATION]: text } },
  };
}

function lastAppliedOf(live: Json): Json | undefined {
  const annotations = (live['metadata'] as Json | undefined)?.['annotations'] as Json | undefined;
  const text = annotations?.[LAST_APPLIED_ANNOTATION];
  if (typeof text !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined; // an unreadable record removes nothing, as kubectl treats a missing one
  }
}

async function pathOf(discovery: Discovery, key: ResourceKey): Promise<string> {
  const info = await discovery.lookup(key.group, key.kind);
  if (!info) throw new UnknownKindError(key.group, key.kind);
  if (info.namespaced && !key.namespace) {
    throw new ApiError(400, `${key.kind} ${key.name} needs a namespace`);
  }
  return `${collectionPath(info, info.namespaced ? key.namespace : undefined)}/${encodeURIComponent(key.name)}`;
}

/**
 * Client-side applies `obj`: creates it with the last-applied annotation, or
 * patches the live object with the three-way merge patch (the annotation
 * updated in the same patch). Returns what was done and the object the
 * apiserver stored (or would store with `dryRun`).
 */
export async function clientSideApply(
  kc: KubeConfig,
  discovery: Discovery,
  obj: KubernetesObject,
  options: ClientApplyOptions,
): Promise<{ verb: ClientApplyVerb; object: KubernetesObject }> {
  const path = await pathOf(discovery, keyOf(obj));
  const query = {
    fieldManager: options.fieldManager,
    ...(options.dryRun ? { dryRun: 'All' } : {}),
    ...(options.fieldValidation ? { fieldValidation: options.fieldValidation } : {}),
  };
  const desired = withLastApplied(obj);
  let live: Json | undefined;
  try {
    live = await rawRequest<Json>(kc, { method: 'GET', path });
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
  }
  if (!live) {
    const collection = path.slice(0, path.lastIndexOf('/'));
    const object = await rawRequest<KubernetesObject>(kc, {
      method: 'POST',
      path: collection,
      query,
      body: desired,
    });
    return { verb: 'created', object };
  }
  const patch = threeWayMergePatch(lastAppliedOf(live), live, desired);
  if (!patch) return { verb: 'unchanged', object: live as KubernetesObject };
  const object = await rawRequest<KubernetesObject>(kc, {
    method: 'PATCH',
    path,
    query,
    contentType: 'application/merge-patch+json',
    body: patch,
  });
  return { verb: 'configured', object };
}
