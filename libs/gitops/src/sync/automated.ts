// Whether automated sync starts an operation now, as Argo CD's autoSync
// decides it. Pure: the differ calls it after each comparison.
import {
  ApplicationConditionType,
  OperationPhase,
  SyncStatusCode,
  type ApplicationCondition,
  type ApplicationSpec,
  type Operation,
  type OperationState,
  type ResourceStatus,
  type SyncOperationResource,
  type SyncStatus,
} from '@flotilla/api';
import { jsonEqual } from '../resource/index.js';
import { AUTOMATED_RETRY_LIMIT } from './retry.js';
import { selfHealRemainingMs } from './self-heal.js';

/** What automated sync looks at. */
export interface AutoSyncInput {
  readonly spec: ApplicationSpec;
  /** The comparison just made: status and the resolved revision(s). */
  readonly syncStatus: SyncStatus;
  /** Per-resource sync status from the same comparison. */
  readonly resources?: readonly ResourceStatus[];
  /** Desired and live resource counts; when given they decide "would prune everything". */
  readonly desiredCount?: number;
  readonly liveCount?: number;
  /** An operation is set or running. */
  readonly operationInProgress: boolean;
  /** The Application is being deleted. */
  readonly deleting?: boolean;
  /** `status.operationState` of the last operation. */
  readonly lastOperation?: OperationState;
  /** Self-heal syncs already made for the current revision. */
  readonly selfHealAttempts?: number;
  readonly now: Date;
}

/** Start a sync, or why not. */
export type AutoSyncDecision =
  | {
      readonly sync: true;
      /** The operation to write to `Application.operation`. */
      readonly operation: Operation;
      readonly selfHeal: boolean;
      /** Self-heal attempts after this one (0 for a sync of a new revision). */
      readonly selfHealAttempts: number;
      /** For self-heal: only the drifted resources. */
      readonly resources?: readonly SyncOperationResource[];
    }
  | {
      readonly sync: false;
      readonly reason: string;
      /** A SyncError condition to set on the app. */
      readonly condition?: ApplicationCondition;
      /** When to look again (self-heal backoff). */
      readonly retryAfterMs?: number;
    };

/**
 * Decides automated sync. No sync while an operation runs, during deletion,
 * unless OutOfSync, for prune-only changes without automated prune, or again
 * for a revision whose last sync failed (SyncError until the revision or the
 * source changes). Self-heal re-syncs only drifted resources, paced by the
 * self-heal backoff. A sync that would prune everything without allowEmpty
 * sets a SyncError condition instead.
 */
export function decideAutoSync(input: AutoSyncInput): AutoSyncDecision {
  const policy = input.spec.syncPolicy;
  const automated = policy?.automated;
  if (!automated || automated.enabled === false) return skip('automated sync is off');
  if (input.operationInProgress) return skip('another operation is in progress');
  if (input.deleting) return skip('deletion in progress');
  const status = input.syncStatus.status;
  if (status !== SyncStatusCode.OutOfSync) return skip(`application status is ${status}`);

  const prune = automated.prune ?? false;
  const resources = input.resources ?? [];
  if (
    !prune &&
    resources.length > 0 &&
    resources.every((r) => r.status === SyncStatusCode.Synced || r.requiresPruning)
  ) {
    return skip('need to prune extra resources only but automated prune is disabled');
  }

  const revision = revisionText(input.syncStatus);
  const selfHeal = automated.selfHeal ?? false;
  let drifted: SyncOperationResource[] | undefined;
  let attempts = 0;
  const last = input.lastOperation;
  if (last && alreadyAttempted(input.spec, input.syncStatus, last)) {
    if (last.phase !== OperationPhase.Succeeded) {
      const message = `Failed sync attempt to ${revision}: ${last.message ?? ''}`;
      return {
        sync: false,
        reason: `failed previous sync attempt to ${revision}`,
        condition: { type: ApplicationConditionType.SyncError, message },
      };
    }
    if (!selfHeal) return skip(`most recent sync already to ${revision}`);
    attempts = input.selfHealAttempts ?? 0;
    const finishedAt = last.finishedAt ? new Date(last.finishedAt) : undefined;
    const remaining = selfHealRemainingMs(attempts, finishedAt, input.now);
    if (remaining > 0) {
      return {
        sync: false,
        reason: `self-heal backoff: retrying in ${remaining} ms`,
        retryAfterMs: remaining,
      };
    }
    attempts += 1;
    drifted = resources
      .filter((r) => r.status !== SyncStatusCode.Synced && r.kind && r.name)
      .map((r) => ({
        group: r.group ?? '',
        kind: r.kind ?? '',
        name: r.name ?? '',
        ...(r.namespace ? { namespace: r.namespace } : {}),
      }));
  }

  if (prune && !automated.allowEmpty && wouldPruneEverything(input)) {
    const message = `Skipping sync attempt to ${revision}: auto-sync will wipe out all resources`;
    return {
      sync: false,
      reason: 'auto-sync will wipe out all resources',
      condition: { type: ApplicationConditionType.SyncError, message },
    };
  }

  const sync: NonNullable<Operation['sync']> = {
    ...(input.syncStatus.revision !== undefined ? { revision: input.syncStatus.revision } : {}),
    ...(input.syncStatus.revisions ? { revisions: [...input.syncStatus.revisions] } : {}),
    prune,
    ...(policy.syncOptions ? { syncOptions: [...policy.syncOptions] } : {}),
    ...(drifted ? { resources: drifted } : {}),
  };
  const operation: Operation = {
    sync,
    initiatedBy: { automated: true },
    retry: policy.retry ?? { limit: AUTOMATED_RETRY_LIMIT },
  };
  return {
    sync: true,
    operation,
    selfHeal: drifted !== undefined,
    selfHealAttempts: attempts,
    ...(drifted ? { resources: drifted } : {}),
  };
}

function skip(reason: string): AutoSyncDecision {
  return { sync: false, reason };
}

function revisionText(status: SyncStatus): string {
  return status.revisions && status.revisions.length > 0
    ? status.revisions.join(', ')
    : (status.revision ?? '');
}

/**
 * The last operation synced this revision with this source (targetRevision
 * aside). A last result that recorded no source counts as the same source, so
 * a missing record never causes a sync loop.
 */
function alreadyAttempted(
  spec: ApplicationSpec,
  status: SyncStatus,
  last: OperationState,
): boolean {
  const result = last.syncResult;
  if (!last.operation.sync || !result) return false;
  const multi = (spec.sources?.length ?? 0) > 0;
  if (multi) {
    if (!jsonEqual(result.revisions ?? [], status.revisions ?? [])) return false;
    return result.sources === undefined || jsonEqual(strip(spec.sources), strip(result.sources));
  }
  if (result.revision !== (status.revision ?? '')) return false;
  return result.source === undefined || jsonEqual(strip([spec.source]), strip([result.source]));
}

function strip(sources: readonly unknown[] | undefined): unknown[] {
  return (sources ?? []).map((s) => {
    if (typeof s !== 'object' || s === null) return s;
    const { targetRevision: _ignored, ...rest } = s as Record<string, unknown>;
    return rest;
  });
}

function wouldPruneEverything(input: AutoSyncInput): boolean {
  if (input.desiredCount !== undefined)
    return input.desiredCount === 0 && (input.liveCount ?? 1) > 0;
  const resources = input.resources ?? [];
  return resources.length > 0 && resources.every((r) => r.requiresPruning);
}
