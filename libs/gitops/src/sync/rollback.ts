// Rollback to a history entry, and which operations leave hooks out.
import type { ApplicationSpec, Operation, RevisionHistory } from '@flotilla/api';

/** A rollback operation to write, or why there is none. */
export type RollbackDecision =
  | { readonly ok: true; readonly operation: Operation; readonly entry: RevisionHistory }
  | { readonly ok: false; readonly reason: string };

/**
 * The operation that rolls back to history entry `id`: that entry's revision
 * and source with the apply strategy, so no hooks run. Refused while automated
 * sync is on, since it would sync straight back.
 */
export function planRollback(
  spec: ApplicationSpec,
  history: readonly RevisionHistory[] | undefined,
  id: number,
  options: { readonly prune?: boolean; readonly dryRun?: boolean; readonly username?: string } = {},
): RollbackDecision {
  const automated = spec.syncPolicy?.automated;
  if (automated && automated.enabled !== false) {
    return { ok: false, reason: 'rollback cannot be initiated when auto-sync is enabled' };
  }
  const entry = history?.find((h) => h.id === id);
  if (!entry) return { ok: false, reason: `application does not have deployment with id ${id}` };
  const operation: Operation = {
    sync: {
      ...(entry.revision !== undefined ? { revision: entry.revision } : {}),
      ...(entry.revisions ? { revisions: [...entry.revisions] } : {}),
      ...(entry.source ? { source: entry.source } : {}),
      ...(entry.sources ? { sources: [...entry.sources] } : {}),
      prune: options.prune ?? false,
      dryRun: options.dryRun ?? false,
      syncStrategy: { apply: {} },
      ...(spec.syncPolicy?.syncOptions ? { syncOptions: [...spec.syncPolicy.syncOptions] } : {}),
    },
    initiatedBy: options.username !== undefined ? { username: options.username } : {},
  };
  return { ok: true, operation, entry };
}

/**
 * True when a sync operation runs without hooks: the apply strategy (which
 * rollbacks use) or a selective sync (which self-heal is).
 */
export function hooksSkippedFor(sync: NonNullable<Operation['sync']>): boolean {
  return sync.syncStrategy?.apply !== undefined || (sync.resources?.length ?? 0) > 0;
}
