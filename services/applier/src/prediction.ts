// What the differ's next comparison will find after a sync that applied the
// whole desired state and nothing else: every resource Synced, as the apply
// returned it. The sync's final status write carries it, so the comparison that
// follows finds the status it would write already there and writes nothing: one
// Application write per sync instead of two. Where the applier cannot know (hooks,
// prunes, a selective sync, anything extraneous, an object not server-side
// applied), it predicts nothing and the differ writes as ever. A wrong prediction
// costs one more write: the differ always compares after the sync and corrects it.
import {
  SyncStatusCode,
  ResultCode,
  type Application,
  type ApplicationStatus,
  type Operation,
} from '@flotilla/api';
import { resourceKeyString, type AppRef, type ResourceKey } from '@flotilla/contracts';
import {
  comparedStatus,
  desiredOptOuts,
  indexResults,
  isTrackedBy,
  resultId,
  ResourceDiffStatus,
  SyncTaskType,
  type ComparedResource,
  type ComparedStatus,
  type DiffObject,
  type HealthResult,
  type SyncPlan,
  type SyncResourceResult,
} from '@flotilla/gitops';
import { keyOf, type ClusterCache, type KubernetesObject } from '@flotilla/kube';
import type { DesiredState } from '@flotilla/render';

/** The objects a sync server-side applied, as each apply returned it. */
export class AppliedObjects {
  private readonly byKey = new Map<string, DiffObject>();

  record(key: ResourceKey, live: KubernetesObject): void {
    this.byKey.set(resourceKeyString(key), live as DiffObject);
  }

  get(key: ResourceKey): DiffObject | undefined {
    return this.byKey.get(resourceKeyString(key));
  }
}

/** What a prediction reads. */
export interface PredictionInput {
  readonly ref: AppRef;
  readonly app: Application;
  /** The operation that ran (carried ones are not in `app`). */
  readonly operation: Operation;
  readonly plan: SyncPlan;
  readonly results: readonly SyncResourceResult[];
  /** The app's own desired state (not an operation's render of another revision). */
  readonly desired: DesiredState;
  readonly applied: AppliedObjects;
  readonly cache: ClusterCache;
  readonly health: (obj: KubernetesObject) => Promise<HealthResult | undefined>;
  readonly now: string;
}

/** A predicted comparison, and the status it was predicted from (for events). */
export interface Prediction {
  readonly compared: ComparedStatus & { reconciledAt: string };
  readonly previous: ApplicationStatus | undefined;
}

/**
 * The differ's sync, health and resources after a successful sync, or why
 * the sync's outcome does not settle them.
 */
export async function predictCompared(input: PredictionInput): Promise<Prediction | string> {
  const { plan, desired, app, ref } = input;
  const sync = input.operation.sync;
  if (plan.dryRun || sync?.resources?.length) return 'a dry run or a selective sync';
  if (plan.syncFailTasks.length > 0 || plan.tasks.some((t) => t.type !== SyncTaskType.Apply))
    return 'hooks or prunes';
  if (plan.dropped.length > 0 || plan.tasks.length !== desired.objects.length)
    return 'the plan is not the desired state';
  const results = indexResults(input.results);
  const resources: ComparedResource[] = [];
  const planned = new Set<string>();
  for (const t of plan.tasks) {
    const r = results.get(resultId(t.key, t.phase));
    if (r?.status !== ResultCode.Synced) return `${t.key.kind}/${t.key.name} not synced`;
    const live =
      input.applied.get(t.key) ??
      (t.unchanged ? (input.cache.get(t.key) as DiffObject | undefined) : undefined);
    if (!live) return `${t.key.kind}/${t.key.name} not server-side applied`;
    planned.add(resourceKeyString(t.key));
    resources.push({ diff: { key: t.key, status: ResourceDiffStatus.Synced }, live });
  }
  // Anything else the app tracks would show as extraneous.
  const extra = input.cache
    .trackedBy(ref)
    .some((o) => isTrackedBy(o as DiffObject, ref) && !planned.has(resourceKeyString(keyOf(o))));
  if (extra) return 'the app tracks other objects';
  const compared = await comparedStatus({
    health: { assess: input.health, missing: () => undefined },
    resources,
    optedOut: desiredOptOuts(desired.objects as DiffObject[]),
    syncStatus: SyncStatusCode.Synced,
    revisions: desired.revisions,
    multiSource: (app.spec?.sources?.length ?? 0) > 0,
    previous: app.status,
    now: input.now,
  });
  return { compared: { ...compared, reconciledAt: input.now }, previous: app.status };
}
