// Which app a live object belongs to. Flotilla writes its own annotation and
// reads Argo CD's, so resources deployed by Argo CD keep their owner.
import {
  ARGO_NAMESPACE,
  ARGO_TRACKING_ANNOTATION,
  DEFAULT_NAMESPACE,
  TRACKING_ANNOTATION,
} from '@flotilla/api';
import type { AppRef, ResourceKey } from '@flotilla/contracts';
import { annotationsOf, groupOf, kindOf, metaString } from '../resource/index.js';
import type { DiffObject } from './types.js';

/** Where Argo CD and Flotilla keep their Applications, for reading Argo CD's ids. */
export interface TrackingOptions {
  /** Argo CD's control namespace: ids without `<appNs>_` name apps there. Default `argocd`. */
  readonly argoNamespace?: string;
  /** Where apps from Argo CD's namespace live in Flotilla. Default `flotilla`. */
  readonly controlNamespace?: string;
}

/** A parsed tracking id: the owning app and the resource it was written for. */
export interface TrackingId {
  readonly app: AppRef;
  readonly key: ResourceKey;
}

/** The owner of a live object, as its tracking annotation says. */
export interface Owner extends TrackingId {
  /** Which annotation named the owner. */
  readonly source: 'flotilla' | 'argocd';
  /**
   * True when the id names this very object. A copied annotation (a ReplicaSet
   * inherits its Deployment's) names another object and proves no ownership.
   */
  readonly selfReferenced: boolean;
}

/** The tracking id Flotilla writes for a resource of `app`. */
export function trackingId(app: AppRef, key: ResourceKey): string {
  return `${app.namespace}_${app.name}:${key.group}/${key.kind}:${key.namespace}/${key.name}`;
}

/** Options of {@link parseTrackingId}. */
export interface ParseTrackingOptions extends TrackingOptions {
  /** `flotilla` (default) requires `<app-ns>_<app>`; `argocd` also accepts a bare app name. */
  readonly format?: 'flotilla' | 'argocd';
}

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Parses a tracking id, or returns undefined when it is malformed. */
export function parseTrackingId(
  value: string,
  options: ParseTrackingOptions = {},
): TrackingId | undefined {
  const first = value.indexOf(':');
  const second = value.indexOf(':', first + 1);
  if (first < 0 || second < 0) return undefined;
  const app = parseApp(value.slice(0, first), options);
  const groupKind = value.slice(first + 1, second).split('/');
  const nsName = value.slice(second + 1).split('/');
  if (!app || groupKind.length !== 2 || nsName.length !== 2) return undefined;
  const [group, kind] = groupKind as [string, string];
  const [namespace, name] = nsName as [string, string];
  if (kind === '' || name === '') return undefined;
  return { app, key: { group, kind, namespace, name } };
}

function parseApp(text: string, options: ParseTrackingOptions): AppRef | undefined {
  const argo = options.format === 'argocd';
  const control = options.controlNamespace ?? DEFAULT_NAMESPACE;
  const underscore = text.indexOf('_');
  let namespace: string;
  let name: string;
  if (underscore < 0) {
    if (!argo) return undefined;
    [namespace, name] = [control, text];
  } else {
    [namespace, name] = [text.slice(0, underscore), text.slice(underscore + 1)];
    if (argo && namespace === (options.argoNamespace ?? ARGO_NAMESPACE)) namespace = control;
  }
  return NAME.test(namespace) && NAME.test(name) ? { namespace, name } : undefined;
}

/** The key a live object has in the cluster, from its own metadata. */
export function resourceKeyOf(obj: DiffObject): ResourceKey {
  return {
    group: groupOf(obj),
    kind: kindOf(obj),
    namespace: metaString(obj, 'namespace'),
    name: metaString(obj, 'name'),
  };
}

/**
 * The app that owns `obj`, from `flotilla.dev/tracking-id`, else from Argo
 * CD's `argocd.argoproj.io/tracking-id`; undefined when neither parses.
 */
export function ownerOf(obj: DiffObject, options: TrackingOptions = {}): Owner | undefined {
  const ann = annotationsOf(obj);
  const own = ann[TRACKING_ANNOTATION];
  const argo = ann[ARGO_TRACKING_ANNOTATION];
  let parsed: TrackingId | undefined;
  let source: Owner['source'] = 'flotilla';
  if (own !== undefined) parsed = parseTrackingId(own, options);
  if (!parsed && argo !== undefined) {
    parsed = parseTrackingId(argo, { ...options, format: 'argocd' });
    source = 'argocd';
  }
  if (!parsed) return undefined;
  return { ...parsed, source, selfReferenced: refersTo(parsed.key, resourceKeyOf(obj)) };
}

// Cluster-scoped objects may carry the app's destination namespace in the id
// (Argo CD writes it so), and are unique by group, kind and name anyway.
function refersTo(id: ResourceKey, actual: ResourceKey): boolean {
  return (
    id.group === actual.group &&
    id.kind === actual.kind &&
    id.name === actual.name &&
    (actual.namespace === '' || id.namespace === actual.namespace)
  );
}

/** True when `obj` carries `app`'s tracking id and the id names `obj` itself. */
export function isTrackedBy(obj: DiffObject, app: AppRef, options: TrackingOptions = {}): boolean {
  const owner = ownerOf(obj, options);
  return (
    owner !== undefined &&
    owner.selfReferenced &&
    owner.app.namespace === app.namespace &&
    owner.app.name === app.name
  );
}
