// `ApplyOutOfSyncOnly=true`: which resources the last comparison found in
// sync, trusted only while that comparison still describes what is synced
// and what is live.
import type { ResourceStatus } from '@flotilla/api';
import { resourceKeyString, type ResourceKey } from '@flotilla/contracts';
import type { KubeObject as SyncObject } from '../resource/index.js';

/** The last comparison, as the differ wrote it to status. */
export interface LastComparison {
  /** `status.reconciledAt`: when the comparison started. */
  readonly reconciledAt?: string;
  /** `status.sync.revision` / `revisions`: what it compared. */
  readonly revisions: readonly string[];
  /** `status.resources`. */
  readonly resources: readonly ResourceStatus[];
}

/** What the sync is about to apply. */
export interface SyncedManifests {
  readonly revisions: readonly string[];
  /** When these manifests were rendered. */
  readonly renderedAt: string;
}

/** Managed-field times have whole seconds: a write in the second of the comparison may be newer. */
const MANAGED_TIME_GRAIN_MS = 1_000;

/**
 * `isModified` for the sync planner: false (skip it) only for a resource the
 * comparison found Synced, when the comparison was made of these very
 * manifests (same revisions, rendered before it) and the live object was
 * written by nobody since (its newest managed-field time before the
 * comparison); undefined (apply it) in every other case.
 */
export function modifiedSinceComparison(
  last: LastComparison,
  manifests: SyncedManifests,
  liveOf: (key: ResourceKey) => SyncObject | undefined,
): (key: ResourceKey) => boolean | undefined {
  const comparedAt = Date.parse(last.reconciledAt ?? '');
  const current =
    Number.isFinite(comparedAt) &&
    Date.parse(manifests.renderedAt) <= comparedAt &&
    last.revisions.length === manifests.revisions.length &&
    last.revisions.every((r, i) => r.toLowerCase() === manifests.revisions[i]?.toLowerCase());
  if (!current) return () => undefined;
  const synced = new Set(
    last.resources
      .filter((r) => r.status === 'Synced')
      .map((r) =>
        resourceKeyString({
          group: r.group ?? '',
          kind: r.kind ?? '',
          namespace: r.namespace ?? '',
          name: r.name ?? '',
        }),
      ),
  );
  return (key) => {
    if (!synced.has(resourceKeyString(key))) return undefined;
    const written = lastWrite(liveOf(key));
    return written !== undefined && written + MANAGED_TIME_GRAIN_MS <= comparedAt
      ? false
      : undefined;
  };
}

/**
 * The newest managed-field time of an object, in ms; undefined when it has
 * none. Writes to the status subresource are left out: a sync never applies
 * status, and controllers write it all the time.
 */
function lastWrite(obj: SyncObject | undefined): number | undefined {
  const meta = obj?.['metadata'] as
    { managedFields?: { time?: string; subresource?: string }[] } | undefined;
  let newest: number | undefined;
  for (const entry of meta?.managedFields ?? []) {
    if (entry.subresource === 'status') continue;
    const t = Date.parse(entry.time ?? '');
    if (!Number.isFinite(t)) return undefined;
    newest = newest === undefined ? t : Math.max(newest, t);
  }
  return newest;
}
