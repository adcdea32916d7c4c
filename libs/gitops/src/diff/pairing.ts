// Pairs desired objects with live ones by (group, kind, namespace, name) and
// decides which live objects this app may prune.
import type { AppRef, ResourceKey } from '@flotilla/contracts';
import { resourceKeyString } from '@flotilla/contracts';
import { prepareDesired } from './prepare.js';
import { compareOptionsOf, isHookOrSkipped } from '../resource/index.js';
import { isTrackedBy, resourceKeyOf, ownerOf, type TrackingOptions } from './tracking.js';
import type { DiffCondition, IsNamespaced, DiffObject } from './types.js';

/** What {@link pairResources} pairs. */
export interface PairingInput {
  readonly app: AppRef;
  /** `spec.destination.namespace`. */
  readonly destinationNamespace: string;
  /** Rendered manifests, as the renderer produced them. */
  readonly desired: readonly DiffObject[];
  /** Live objects of the kinds the app deploys, from the cluster cache. */
  readonly live: readonly DiffObject[];
  readonly isNamespaced: IsNamespaced;
  readonly tracking?: TrackingOptions;
}

/** One resource after pairing: what to do with it. */
export type PairedResource =
  | {
      readonly role: 'compare';
      readonly key: ResourceKey;
      /** Namespaced and annotated with the tracking id. */
      readonly desired: DiffObject;
      readonly live?: DiffObject;
      readonly kindKnown: boolean;
    }
  | {
      readonly role: 'extraneous';
      readonly key: ResourceKey;
      readonly live: DiffObject;
      readonly ignoreExtraneous: boolean;
      /** Why pruning is refused, when it is. */
      readonly pruneBlocked?: string;
    }
  | {
      readonly role: 'shared';
      readonly key: ResourceKey;
      readonly desired: DiffObject;
      readonly live: DiffObject;
      readonly owner: AppRef;
    }
  | { readonly role: 'error'; readonly key: ResourceKey; readonly message: string };

/** Every resource of the app with its role, and warnings about the set (repeated resources). */
export interface Pairing {
  readonly resources: readonly PairedResource[];
  readonly conditions: readonly DiffCondition[];
}

const nameKey = (k: ResourceKey) => `${k.group}/${k.kind}/${k.name}`;

/**
 * Pairs desired with live objects. Desired hooks are left to the hook runner.
 * A live object is Extraneous only when it carries this app's tracking id for
 * itself and is not desired; one tracked by another app is Shared and never
 * compared or pruned.
 */
export function pairResources(input: PairingInput): Pairing {
  const conditions: DiffCondition[] = [];
  const errors: PairedResource[] = [];
  const unresolved = new Set<string>();
  const desired = new Map<string, Extract<PairedResource, { role: 'compare' }>>();
  for (const obj of input.desired) {
    if (isHookOrSkipped(obj)) continue;
    const prepared = prepareDesired(obj, input);
    if (!prepared.ok) {
      errors.push({ role: 'error', key: prepared.key, message: prepared.message });
      unresolved.add(nameKey(prepared.key));
      continue;
    }
    const id = resourceKeyString(prepared.key);
    if (desired.has(id)) {
      conditions.push({
        type: 'RepeatedResourceWarning',
        message: `${describe(prepared.key)} appears more than once in the manifests; the last one is used`,
      });
      desired.delete(id);
    }
    const { key, object, kindKnown } = prepared;
    desired.set(id, { role: 'compare', key, desired: object, kindKnown });
  }

  const live = new Map(input.live.map((obj) => [resourceKeyString(resourceKeyOf(obj)), obj]));
  const resources: PairedResource[] = [];
  for (const [id, entry] of desired) {
    const liveObj = live.get(id);
    const owner = liveObj ? ownerOf(liveObj, input.tracking) : undefined;
    if (liveObj && owner?.selfReferenced && !sameApp(owner.app, input.app)) {
      resources.push({ ...entry, role: 'shared', live: liveObj, owner: owner.app });
    } else {
      resources.push(liveObj ? { ...entry, live: liveObj } : entry);
    }
  }
  for (const [id, obj] of live) {
    if (desired.has(id) || isHookOrSkipped(obj) || !isTrackedBy(obj, input.app, input.tracking))
      continue;
    const key = resourceKeyOf(obj);
    const blocked = unresolved.has(nameKey(key));
    resources.push({
      role: 'extraneous',
      key,
      live: obj,
      ignoreExtraneous: compareOptionsOf(obj).ignoreExtraneous === true,
      ...(blocked
        ? {
            pruneBlocked:
              'not pruned: a desired resource of this kind and name could not be resolved',
          }
        : {}),
    });
  }
  return { resources: [...resources, ...errors], conditions };
}

function sameApp(a: AppRef, b: AppRef): boolean {
  return a.namespace === b.namespace && a.name === b.name;
}

/** `Kind group/namespace/name` for messages. */
export function describe(key: ResourceKey): string {
  const where = key.namespace ? `${key.namespace}/${key.name}` : key.name;
  return `${key.kind}${key.group ? `.${key.group}` : ''} ${where}`;
}
