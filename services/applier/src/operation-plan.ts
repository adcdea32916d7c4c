// The plan step of an operation: the desired objects prepared for this app
// (tracking id, namespace), the live objects it tracks, and the sync options
// that decide before anything is written: FailOnSharedResource,
// ApplyOutOfSyncOnly and RespectIgnoreDifferences.
import type { Application } from '@flotilla/api';
import type { ResourceKey } from '@flotilla/contracts';
import {
  defaultJqRunner,
  effectiveSyncOptions,
  isDeletionApproved,
  isTrackedBy,
  modifiedSinceComparison,
  parseAppSyncOptions,
  planSync,
  prepareDesired,
  respectIgnoreDifferences,
  sharedResourceFailure,
  type DiffObject,
  type JqRunner,
  type SyncObject,
  type SyncPlan,
} from '@flotilla/gitops';
import type { ClusterCache, KubernetesObject } from '@flotilla/kube';
import type { DesiredState } from '@flotilla/render';
import { DestinationUnreachableError, PlanningError, SharedResourceError } from './errors.js';
import type { OperationRun } from './operation-run.js';
import { destinationDown } from './tasks.js';
import {
  ProjectDeniedError,
  WindowBlockedError,
  type ProjectGate,
  type WindowCheck,
} from './project-gate.js';

/** What planning needs. */
export interface PlanDeps {
  readonly cache: ClusterCache;
  /** The destination cluster's name and server, for messages. */
  readonly cluster?: { readonly name: string; readonly server: string };
  readonly destinationProblem?: (app: Application) => Promise<string | undefined>;
  /** The app's project checks; every task of the plan passes them or nothing runs. */
  readonly projectGate?: ProjectGate;
  /** The sync windows' verdict on a manual sync; automated ones were decided by the differ. */
  readonly windowCheck?: WindowCheck;
}

type Desired = { object: DiffObject; key?: ResourceKey };

let jqRunner: JqRunner | undefined;
/** One jq runner for the process, made when a rule first needs it. */
const jq = () => (jqRunner ??= defaultJqRunner());

/**
 * Plans `run`'s sync of `desired`. Throws {@link PlanningError} when the
 * objects cannot be planned or a sync option refuses the sync.
 */
export async function planOperation(
  deps: PlanDeps,
  run: OperationRun,
  desired: DesiredState,
  /** True when `desired` is the app's own desired state (not an operation's render). */
  appDesired: boolean,
): Promise<SyncPlan> {
  const { cache } = deps;
  const { app, ref, operation, startedAt, revision } = run;
  const objects = desired.objects as DiffObject[];
  const dest = app.spec?.destination?.namespace ?? '';
  // The project first: a refused app or destination is never looked at further. An
  // automated sync its command carries was decided a moment ago against the differ's
  // watched copy; the applier's watched copy is as new, and saves a read per sync.
  const early = await deps.projectGate?.(app, [], () => undefined, { fresh: !run.carried });
  if (early && early.length > 0) throw new ProjectDeniedError(early);
  if (!operation.initiatedBy?.automated && deps.windowCheck) {
    const verdict = await deps.windowCheck(app);
    if (!verdict.allowed) throw new WindowBlockedError(verdict);
  }
  // Never apply to a cluster the app does not name.
  const problem = await deps.destinationProblem?.(app);
  if (problem) throw new PlanningError(problem);
  // Never plan from a cluster that does not answer: its live state is not an empty one.
  await ensureReachable(deps);
  await cache.discovery.ready();
  await cache.ensureKindsOf(objects as KubernetesObject[], [
    { group: '', kind: 'Namespace' },
    ...(app.status?.resources ?? []),
  ]);
  const isNamespaced = (g: string, k: string) => cache.discovery.isNamespaced(g, k);
  const prepared: Desired[] = [];
  const problems: string[] = [];
  for (const raw of objects) {
    const p = prepareDesired(raw, { app: ref, destinationNamespace: dest, isNamespaced });
    if (p.ok) prepared.push({ object: p.object, key: p.key });
    else if (generateNameOf(raw)) prepared.push({ object: withNamespace(raw, dest, isNamespaced) });
    else problems.push(`${p.key.kind}/${p.key.name}: ${p.message}`);
  }
  if (problems.length > 0) throw new PlanningError(problems.join('; '));
  const keys = prepared
    .map((d) => d.key)
    .filter((k): k is ResourceKey => !!k && isNamespaced(k.group, k.kind) !== undefined);
  await cache.want(keys).catch(() => undefined);
  const nsKey = { group: '', kind: 'Namespace', namespace: '', name: dest };
  if (dest) await cache.want([nsKey]).catch(() => undefined);
  // A watch or read above that found the cluster gone leaves the cache marked unreachable.
  await ensureReachable(deps);
  const liveOf = (key: ResourceKey) => cache.get(key) as DiffObject | undefined;

  const sync = operation.sync;
  const appOptions = effectiveSyncOptions(
    parseAppSyncOptions(app.spec?.syncPolicy?.syncOptions, sync.syncOptions).values,
  );
  if (appOptions.failOnSharedResource) {
    const shared = sharedResourceFailure(ref, keys, liveOf);
    if (shared) throw new SharedResourceError(shared);
  }
  const ignore = app.spec?.ignoreDifferences ?? [];
  const toPlan =
    appOptions.respectIgnoreDifferences && ignore.length > 0
      ? await Promise.all(
          prepared.map(async (d) => {
            const live = d.key ? liveOf(d.key) : undefined;
            if (!d.key || !live) return d;
            const object = await respectIgnoreDifferences(d.object, live, d.key, ignore, jq);
            return { ...d, object };
          }),
        )
      : prepared;
  const status = app.status;
  const isModified = appDesired
    ? modifiedSinceComparison(
        {
          ...(status?.reconciledAt ? { reconciledAt: status.reconciledAt } : {}),
          revisions:
            status?.sync?.revisions ?? (status?.sync?.revision ? [status.sync.revision] : []),
          resources: status?.resources ?? [],
        },
        desired,
        (key) => liveOf(key) as SyncObject | undefined,
      )
    : undefined;

  const live = cache
    .trackedBy(ref)
    .filter((o) => isTrackedBy(o as DiffObject, ref))
    .map((o) => ({ object: o as DiffObject }));
  const plan = planSync({
    desired: toPlan,
    live,
    options: {
      operationStartedAt: startedAt,
      revision,
      app: ref,
      destinationNamespace: dest,
      isNamespaced,
      prune: sync.prune ?? false,
      dryRun: sync.dryRun ?? false,
      ...(sync.resources ? { resources: sync.resources } : {}),
      ...(app.spec?.syncPolicy?.syncOptions
        ? { syncOptions: app.spec.syncPolicy.syncOptions }
        : {}),
      ...(sync.syncOptions ? { operationSyncOptions: sync.syncOptions } : {}),
      ...(sync.syncStrategy?.apply
        ? { skipHooks: true, force: sync.syncStrategy.apply.force ?? false }
        : { force: sync.syncStrategy?.hook?.force ?? false }),
      ...(app.spec?.syncPolicy?.managedNamespaceMetadata
        ? { managedNamespaceMetadata: app.spec.syncPolicy.managedNamespaceMetadata }
        : {}),
      ...(isModified ? { isModified } : {}),
      destinationNamespaceObject: dest
        ? ((cache.get(nsKey) as DiffObject | undefined) ?? null)
        : null,
      hookFinalizer: false,
      pruneConfirmed: isDeletionApproved(app as SyncObject, startedAt),
    },
  });
  // Every object the sync would write or delete: resources, hooks of every phase
  // (SyncFail included), prunes, and the Namespace CreateNamespace=true makes.
  const denials = await deps.projectGate?.(app, writtenKeys(plan), isNamespaced);
  if (denials && denials.length > 0) throw new ProjectDeniedError(denials);
  return plan;
}

/** Throws {@link DestinationUnreachableError} unless the destination answers now. */
async function ensureReachable(deps: PlanDeps): Promise<void> {
  if (await deps.cache.reachableNow()) return;
  throw new DestinationUnreachableError(
    destinationDown(deps) ?? 'the destination cluster is unreachable',
  );
}

/** The keys of every task that writes or deletes (a prune that will not delete does neither). */
export function writtenKeys(plan: Pick<SyncPlan, 'tasks' | 'syncFailTasks'>): ResourceKey[] {
  return [...plan.tasks, ...plan.syncFailTasks]
    .filter((t) => t.pruneSkipMessage === undefined)
    .map((t) => t.key);
}

function generateNameOf(obj: DiffObject): string | undefined {
  const meta = obj['metadata'] as { name?: string; generateName?: string } | undefined;
  return !meta?.name && meta?.generateName ? meta.generateName : undefined;
}

/** A hook named by generateName: the planner names it; only its namespace is decided here. */
function withNamespace(
  obj: DiffObject,
  dest: string,
  isNamespaced: (g: string, k: string) => boolean | undefined,
): DiffObject {
  const apiVersion = String(obj['apiVersion'] ?? '');
  const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
  const copy = structuredClone(obj) as DiffObject & { metadata: Record<string, unknown> };
  if (isNamespaced(group, String(obj['kind'] ?? '')) !== false && !copy.metadata['namespace']) {
    copy.metadata['namespace'] = dest;
  }
  return copy;
}
