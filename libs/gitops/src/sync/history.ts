// `status.history`: past successful syncs, for rollback and audit.
import { OperationPhase, type OperationState, type RevisionHistory } from '@flotilla/api';

/** Entries kept when `spec.revisionHistoryLimit` is unset. */
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;

/** A history entry before it gets its id. */
export type NewHistoryEntry = Omit<RevisionHistory, 'id'>;

/**
 * True for an operation history records: it succeeded, was not a dry run, and
 * synced everything (a selective sync, self-heal included, is not recorded).
 */
export function shouldRecordHistory(state: OperationState): boolean {
  const sync = state.operation.sync;
  return (
    state.phase === OperationPhase.Succeeded &&
    sync !== undefined &&
    !sync.dryRun &&
    (sync.resources?.length ?? 0) === 0
  );
}

/**
 * The history entry for a finished operation, or undefined when history does
 * not record it. Revision and source come from the sync result, which holds
 * what was actually synced.
 */
export function historyEntryFor(state: OperationState): NewHistoryEntry | undefined {
  if (!shouldRecordHistory(state)) return undefined;
  const result = state.syncResult;
  const entry: NewHistoryEntry = {
    deployedAt: state.finishedAt ?? state.startedAt,
    deployStartedAt: state.startedAt,
    ...(result?.revision ? { revision: result.revision } : {}),
    ...(result?.revisions ? { revisions: [...result.revisions] } : {}),
    ...(result?.source ? { source: result.source } : {}),
    ...(result?.sources ? { sources: [...result.sources] } : {}),
    ...(state.operation.initiatedBy ? { initiatedBy: state.operation.initiatedBy } : {}),
  };
  return entry;
}

/**
 * Appends `entry` with the next id (one more than the last, 0 for the first)
 * and keeps the newest `limit` entries; a limit of 0 or less keeps none.
 * Returns a new array.
 */
export function appendHistory(
  history: readonly RevisionHistory[] | undefined,
  entry: NewHistoryEntry,
  limit: number = DEFAULT_REVISION_HISTORY_LIMIT,
): RevisionHistory[] {
  const past = history ?? [];
  const last = past[past.length - 1];
  const next = [...past, { ...entry, id: last ? last.id + 1 : 0 }];
  const keep = Math.max(0, limit);
  return keep === 0 ? [] : next.slice(-keep);
}
