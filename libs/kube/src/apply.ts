import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeAccess } from './kubeconfig.js';
import type { ResourceKey } from '@flotilla/contracts';
import { collectionPath, type Discovery } from './cache/discovery.js';
import { keyOf } from './cache/cluster-cache.js';
import { ApiError, rawRequest } from './raw.js';

/** Options for {@link applyObject}. */
export interface ApplyObjectOptions {
  readonly fieldManager: string;
  /** Take fields other managers own (Argo CD forces too); true unless set. */
  readonly force?: boolean;
  /** Server-side dry run: validated and defaulted by the apiserver, not stored. */
  readonly dryRun?: boolean;
  /** A namespace for namespaced objects that name none. */
  readonly defaultNamespace?: string;
  /** How the apiserver treats unknown or duplicate fields; its own default unless set. */
  readonly fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

/** The kind is not served by the cluster (a CRD not installed, say). */
export class UnknownKindError extends Error {
  override readonly name = 'UnknownKindError';
  constructor(
    readonly group: string,
    readonly kind: string,
  ) {
    super(`the cluster does not serve ${group ? `${group}/` : ''}${kind}`);
  }
}

async function objectPath(
  discovery: Discovery,
  key: ResourceKey,
  defaultNamespace?: string,
): Promise<string> {
  const info = await discovery.lookup(key.group, key.kind);
  if (!info) throw new UnknownKindError(key.group, key.kind);
  const ns = info.namespaced ? key.namespace || defaultNamespace : undefined;
  if (info.namespaced && !ns) throw new ApiError(400, `${key.kind} ${key.name} needs a namespace`);
  return `${collectionPath(info, ns)}/${encodeURIComponent(key.name)}`;
}

/**
 * Server-side applies one object as raw JSON (no client-side model drops its
 * fields) and returns what the apiserver stored, or would store with `dryRun`.
 */
export async function applyObject(
  kc: KubeAccess,
  discovery: Discovery,
  obj: KubernetesObject,
  options: ApplyObjectOptions,
): Promise<KubernetesObject> {
  const path = await objectPath(discovery, keyOf(obj), options.defaultNamespace);
  return rawRequest<KubernetesObject>(kc, {
    method: 'PATCH',
    path,
    query: {
      fieldManager: options.fieldManager,
      force: String(options.force ?? true),
      ...(options.dryRun ? { dryRun: 'All' } : {}),
      ...(options.fieldValidation ? { fieldValidation: options.fieldValidation } : {}),
    },
    contentType: 'application/apply-patch+yaml',
    body: obj,
  });
}

/**
 * Replaces one object whole (PUT over the live resourceVersion), or creates it
 * when it does not exist: what `kubectl replace` / `kubectl create` do, for the
 * `Replace=true` sync option. Returns what the apiserver stored and whether it
 * was created.
 */
export async function replaceObject(
  kc: KubeAccess,
  discovery: Discovery,
  obj: KubernetesObject,
  options: Omit<ApplyObjectOptions, 'force'>,
): Promise<{ object: KubernetesObject; created: boolean }> {
  const path = await objectPath(discovery, keyOf(obj), options.defaultNamespace);
  const query = {
    fieldManager: options.fieldManager,
    ...(options.dryRun ? { dryRun: 'All' } : {}),
    ...(options.fieldValidation ? { fieldValidation: options.fieldValidation } : {}),
  };
  let live: KubernetesObject | undefined;
  try {
    live = await rawRequest<KubernetesObject>(kc, { method: 'GET', path });
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
  }
  if (!live) {
    const ns = path.slice(0, path.lastIndexOf('/'));
    const object = await rawRequest<KubernetesObject>(kc, {
      method: 'POST',
      path: ns,
      query,
      body: obj,
    });
    return { object, created: true };
  }
  const body = {
    ...obj,
    metadata: { ...obj.metadata, resourceVersion: live.metadata?.resourceVersion },
  };
  const object = await rawRequest<KubernetesObject>(kc, { method: 'PUT', path, query, body });
  return { object, created: false };
}

/** Deletes one object; resolves false when it was already gone. */
export async function deleteObject(
  kc: KubeAccess,
  discovery: Discovery,
  key: ResourceKey,
  options: { propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'; dryRun?: boolean } = {},
): Promise<boolean> {
  const path = await objectPath(discovery, key);
  try {
    await rawRequest(kc, {
      method: 'DELETE',
      path,
      query: options.dryRun ? { dryRun: 'All' } : {},
      body: {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        propagationPolicy: options.propagationPolicy ?? 'Foreground',
      },
    });
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return false;
    throw err;
  }
}
