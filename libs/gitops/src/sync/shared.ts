// `FailOnSharedResource=true`: a sync that would take over a resource another
// application tracks fails instead, with Argo CD's words.
import type { AppRef, ResourceKey } from '@flotilla/contracts';
import { ownerOf } from '../diff/tracking.js';
import type { DiffObject } from '../diff/types.js';

/**
 * The failure message when a desired resource's live object is tracked by an
 * application other than `app` (the first such resource), or undefined when
 * none is. `liveOf` gives the live object of a key, if any.
 */
export function sharedResourceFailure(
  app: AppRef,
  keys: readonly ResourceKey[],
  liveOf: (key: ResourceKey) => DiffObject | undefined,
): string | undefined {
  for (const key of keys) {
    const live = liveOf(key);
    const owner = live ? ownerOf(live) : undefined;
    if (!owner?.selfReferenced) continue;
    if (owner.app.namespace === app.namespace && owner.app.name === app.name) continue;
    return `Shared resource found: ${key.kind}/${key.name} is part of applications ${app.namespace}/${app.name} and ${owner.app.namespace}/${owner.app.name}`;
  }
  return undefined;
}
