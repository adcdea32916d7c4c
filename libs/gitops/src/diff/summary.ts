// The app-level verdict. An app is Synced only when every compared resource
// is; an error anywhere makes it Unknown, so doubt never turns into a sync
// that prunes.
import { SyncStatusCode } from '@flotilla/api';
import type { ResourceKey } from '@flotilla/contracts';
import { describe } from './pairing.js';
import { ResourceDiffStatus, type DiffCondition, type ResourceDiff } from './types.js';

/** The app-level outcome of a diff. */
export interface AppDiffSummary {
  /** Synced, OutOfSync, or Unknown when any resource could not be compared. */
  readonly status: SyncStatusCode;
  /** How many resources have each status. */
  readonly counts: Readonly<Record<ResourceDiffStatus, number>>;
  /** Resources a sync with prune would delete; always empty when status is Unknown. */
  readonly pruneCandidates: readonly ResourceKey[];
  /** ComparisonError per failed resource, SharedResourceWarning per shared one, and any given. */
  readonly conditions: readonly DiffCondition[];
}

/** Decides the app's sync status from its resources' outcomes. */
export function summarizeDiff(
  resources: readonly ResourceDiff[],
  conditions: readonly DiffCondition[] = [],
): AppDiffSummary {
  const counts = Object.fromEntries(Object.values(ResourceDiffStatus).map((s) => [s, 0])) as Record<
    ResourceDiffStatus,
    number
  >;
  const out: DiffCondition[] = [];
  let outOfSync = false;
  for (const r of resources) {
    counts[r.status]++;
    if (r.status === 'Error') {
      out.push({
        type: 'ComparisonError',
        message: `${describe(r.key)}: ${r.message ?? 'failed'}`,
      });
    } else if (r.status === 'Shared') {
      const owner = r.owner ? ` application ${r.owner.namespace}/${r.owner.name}` : ' another app';
      out.push({
        type: 'SharedResourceWarning',
        message: `${describe(r.key)} is also part of${owner}`,
      });
    } else if (r.status === 'Extraneous') {
      outOfSync ||= !r.ignoreExtraneous;
    } else if (r.status !== 'Synced') {
      outOfSync = true;
    }
  }
  const status =
    counts.Error > 0
      ? SyncStatusCode.Unknown
      : outOfSync
        ? SyncStatusCode.OutOfSync
        : SyncStatusCode.Synced;
  const pruneCandidates =
    status === SyncStatusCode.Unknown
      ? []
      : resources.filter((r) => r.status === 'Extraneous' && r.requiresPruning).map((r) => r.key);
  return { status, counts, pruneCandidates, conditions: [...conditions, ...out] };
}
