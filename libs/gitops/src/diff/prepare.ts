// Turns a rendered manifest into the object the applier will apply: its
// namespace resolved and this app's tracking id written.
import { TRACKING_ANNOTATION } from '@flotilla/api';
import type { AppRef, ResourceKey } from '@flotilla/contracts';
import {
  cloneJson,
  groupOf,
  isRecord,
  kindOf,
  metaString,
  setAnnotation,
} from '../resource/index.js';
import { trackingId } from './tracking.js';
import type { IsNamespaced, DiffObject } from './types.js';

/** What {@link prepareDesired} needs to know about the app and the cluster. */
export interface PrepareContext {
  readonly app: AppRef;
  /** `spec.destination.namespace`: the namespace of namespaced resources that name none. */
  readonly destinationNamespace: string;
  readonly isNamespaced: IsNamespaced;
}

/** A desired object ready to compare and apply, or why it cannot be. */
export type PreparedDesired =
  | {
      readonly ok: true;
      readonly key: ResourceKey;
      readonly object: DiffObject;
      /** False when the cluster does not know the kind yet (its CRD is not installed). */
      readonly kindKnown: boolean;
    }
  | { readonly ok: false; readonly key: ResourceKey; readonly message: string };

/**
 * Resolves the namespace of a desired object and writes the tracking id. A
 * namespaced kind without a namespace gets the destination namespace; a
 * cluster-scoped kind loses any namespace it names (the API server ignores
 * it). A kind the cluster does not know keeps its namespace when it names one
 * and is an error when it names none, since the namespace cannot be decided.
 */
export function prepareDesired(obj: DiffObject, ctx: PrepareContext): PreparedDesired {
  const group = groupOf(obj);
  const kind = kindOf(obj);
  const name = metaString(obj, 'name');
  const given = metaString(obj, 'namespace');
  const rough: ResourceKey = { group, kind, namespace: given, name };
  if (typeof obj['apiVersion'] !== 'string' || kind === '' || name === '') {
    return { ok: false, key: rough, message: 'manifest has no apiVersion, kind or metadata.name' };
  }
  const namespaced = ctx.isNamespaced(group, kind);
  if (namespaced === undefined && given === '') {
    return {
      ok: false,
      key: rough,
      message: `the cluster does not know ${kind}${group ? `.${group}` : ''}, so its namespace cannot be decided`,
    };
  }
  let namespace = given;
  if (namespaced === true && namespace === '') namespace = ctx.destinationNamespace;
  if (namespaced === false) namespace = '';
  const key: ResourceKey = { group, kind, namespace, name };
  const object = cloneJson(obj);
  const meta = isRecord(object['metadata']) ? object['metadata'] : {};
  object['metadata'] = meta;
  if (namespace === '') delete meta['namespace'];
  else meta['namespace'] = namespace;
  setAnnotation(object, TRACKING_ANNOTATION, trackingId(ctx.app, key));
  return { ok: true, key, object, kindKnown: namespaced !== undefined };
}
