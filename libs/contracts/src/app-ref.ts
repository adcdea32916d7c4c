import { Type, type Static } from '@sinclair/typebox';

/** DNS-1123 label: what Kubernetes allows for namespace and Application names. */
const dnsName = Type.String({ pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', maxLength: 253 });

/** Names one Application. */
export const AppRef = Type.Object(
  {
    namespace: dnsName,
    name: dnsName,
  },
  { description: 'The Application a message is about.' },
);
/** Names one Application. */
export type AppRef = Static<typeof AppRef>;

/** The canonical string form `<namespace>/<name>`. */
export function appKey(app: AppRef): string {
  // join makes one flat string; a template literal makes a rope of pieces, a third
  // larger, and these keys are held in maps for as long as the app lives.
  return [app.namespace, app.name].join('/');
}

/**
 * The `Nats-Msg-Id` of the sync command announcing the operation an
 * Application carries at `resourceVersion`: the differ that wrote it and every
 * applier that watched it arrive send one command, not one each.
 */
export function operationCommandId(app: AppRef, resourceVersion: string): string {
  return `operation:${appKey(app)}:${resourceVersion}`;
}

/**
 * The `Nats-Msg-Id` of an automated sync decided by a comparison of the
 * Application at `resourceVersion`: differ replicas (or repeated comparisons)
 * that see the same version decide one operation, not one each.
 */
export function automatedSyncCommandId(app: AppRef, resourceVersion: string): string {
  return `automated:${appKey(app)}:${resourceVersion}`;
}

/**
 * The id of one attempt of an operation (`op`) or a deletion (`del`) of the
 * Application, started at `startedMs`: `<kind>-<namespace>_<name>-<milliseconds>`.
 * Names never hold `_`, so apps of different namespaces never share an id
 * (it keys their hooks in Redis and their events' message ids). Milliseconds,
 * not seconds: two quick operations of one app in the same second are two
 * operations, and the message id of the second's start must not repeat the first's.
 */
export function operationIdOf(kind: 'op' | 'del', app: AppRef, startedMs: number): string {
  return `${kind}-${app.namespace}_${app.name}-${Math.floor(startedMs)}`;
}

/** Group, kind, namespace and name: one resource everywhere. */
export const ResourceKey = Type.Object({
  group: Type.String(),
  kind: Type.String(),
  namespace: Type.String(),
  name: Type.String(),
});
/** Group, kind, namespace and name: one resource everywhere. */
export type ResourceKey = Static<typeof ResourceKey>;

/** The one string form of a {@link ResourceKey}, used for map keys: `group/kind/namespace/name`. */
export function resourceKeyString(k: ResourceKey): string {
  // One flat string (see appKey): a cache holds several per live object.
  return [k.group, k.kind, k.namespace, k.name].join('/');
}
