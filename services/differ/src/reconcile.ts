import type { KubeConfig } from '@flotilla/kube';
import {
  applicationPath,
  DIFFER_FIELD_MANAGER,
  APPLY_PATCH_CONTENT_TYPE,
  SyncStatusCode,
  applicationStatusPath,
  differStatusPatch,
  type Application,
  type ApplicationStatus,
  type DifferStatus,
} from '@flotilla/api';
import type { AppRef, ResourceKey } from '@flotilla/contracts';
import {
  comparedStatus,
  decideAutoSync,
  denialMessage,
  evaluateAppProject,
  orphanedResourceCondition,
  orphanedResources,
  projectNameOf,
  syncWindowVerdict,
  windowedAutoSync,
  type WindowVerdict,
  DryRunCache,
  ResourceDiffStatus,
  desiredHash,
  type AppDiff,
  type AutoSyncDecision,
  type DiffObject,
  type ProjectDenial,
  type ProjectView,
  type StatusHealth,
  desiredOptOuts,
} from '@flotilla/gitops';
import {
  ApiError,
  compareApp,
  rawRequest,
  resourceVersionAtLeast,
  unreachableMessage,
  type ClusterCache,
} from '@flotilla/kube';
import type { AppliedMarks, DesiredState, DesiredStore } from '@flotilla/render';
import { carryTransitionTimes, statusDigest } from './status.js';
import { unknownStatus } from './unknown-status.js';

/** What a comparison found, for events and automated-sync decisions. */
export interface Reconciled {
  readonly app: Application;
  readonly status: DifferStatus;
  readonly previous: ApplicationStatus | undefined;
  readonly diff?: AppDiff;
  readonly changed: boolean;
  /** Whether a render was asked for (no desired state yet). */
  readonly needsRender: boolean;
  /** The automated-sync decision, when the comparison could decide. */
  readonly autoSync?: AutoSyncDecision;
  /** The Application's resourceVersion after this comparison's own write. */
  readonly resourceVersion?: string;
  /** What the app's project refused; the app was then not compared. */
  readonly denials?: readonly ProjectDenial[];
  /** The sync window that held an automated sync back. */
  readonly window?: WindowVerdict;
}

/** A destination cluster as the comparison needs it. */
export interface Destination {
  readonly name: string;
  readonly server: string;
  readonly kc: KubeConfig;
  readonly cache: ClusterCache;
}

/**
 * Compares one app: desired state from the renderer, live state from the
 * watch cache, server-side dry runs for the comparison, health per resource;
 * then writes the differ's part of the status, only when it changed.
 */
export class Reconciler {
  private readonly written = new Map<string, { digest: string; resourceVersion: string }>();
  /** The comparison under way (or queued last) per app. */
  private readonly running = new Map<string, Promise<unknown>>();
  /** Server-side dry runs by (desired hash, live resourceVersion): the steady state costs no API call. */
  private readonly dryRuns = new DryRunCache();

  constructor(
    private readonly deps: {
      kc: KubeConfig;
      /** The destination cluster of an app: its name, credentials and watch cache. */
      clusterFor: (app: Application) => Promise<Destination>;
      /** The destination cluster's name and server, without watching it. */
      resolveCluster: (
        app: Application,
      ) => Promise<{ server: string; name: string; project?: string }>;
      desired: DesiredStore;
      /** Health checks: the library's assessor, reloaded when the customizations change. */
      health: StatusHealth;
      /** Self-heal syncs already made for an app's current revision. */
      selfHealAttempts: (app: AppRef, revision: string) => Promise<number>;
      /** The AppProject of that name, as the project watch last saw it. */
      project: (name: string) => ProjectView | undefined;
      /** The control namespace (Applications there may use any project). */
      controlNamespace: string;
      /** Reads the app (from a watch when new enough); without it every comparison reads from the apiserver. */
      readApp?: (ref: AppRef, minResourceVersion?: string) => Promise<Application | undefined>;
      /** Told of the differ's own writes, which are newer than a lagging watch. */
      wrote?: (ref: AppRef, app: Application) => void;
      /** What the applier just applied: objects that need no dry run. */
      applied?: AppliedMarks;
    },
  ) {}

  /** The app as the comparison reads it: from the view when it is new enough, else the apiserver. */
  async readApp(ref: AppRef, minResourceVersion?: string): Promise<Application | undefined> {
    if (this.deps.readApp) return this.deps.readApp(ref, minResourceVersion);
    try {
      return await rawRequest<Application>(this.deps.kc, {
        method: 'GET',
        path: applicationPath(ref.namespace, ref.name),
      });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /**
   * Compares one app. Comparisons of the same app in this process run one
   * after the other, so each reads the status the previous one wrote and an
   * unchanged status is not written twice.
   */
  async reconcile(ref: AppRef, minResourceVersion?: string): Promise<Reconciled | undefined> {
    const key = `${ref.namespace}/${ref.name}`;
    const mine = (this.running.get(key) ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.compareNow(ref, minResourceVersion));
    this.running.set(key, mine);
    try {
      return await mine;
    } finally {
      if (this.running.get(key) === mine) this.running.delete(key);
    }
  }

  private async compareNow(
    ref: AppRef,
    minResourceVersion: string | undefined,
  ): Promise<Reconciled | undefined> {
    const app = await this.readApp(ref, minResourceVersion);
    if (!app) return undefined;
    const previous = app.status;
    const now = new Date().toISOString();
    const denials = await this.projectDenials(app);
    if (denials.length > 0) {
      // The project refuses the app itself: compare nothing, decide nothing, prune nothing.
      const status = unknownStatus({
        previous,
        now,
        revision: previous?.sync?.revision,
        error: denialMessage(denials),
        conditionType: 'InvalidSpecError',
      });
      const r = await this.finish(ref, app, previous, status, undefined, undefined, undefined);
      return { ...r, needsRender: false, denials };
    }
    const state = await this.deps.desired.get(ref);
    let status: DifferStatus;
    let diff: AppDiff | undefined;
    let autoSync: AutoSyncDecision | undefined;
    let window: WindowVerdict | undefined;
    if (!state || (state.error && state.objects.length === 0 && !state.hash)) {
      // Nothing rendered yet (or never successfully): say so, decide nothing.
      status = unknownStatus({
        previous,
        now,
        revision: state?.revisions[0],
        error: state?.error && `failed to render manifests: ${state.error.message}`,
      });
    } else if (state.error) {
      // Never destroy on doubt: keep what was last known, mark the error, sync Unknown.
      status = unknownStatus({
        previous,
        now,
        revision: previous?.sync?.revision,
        error: `failed to render manifests: ${state.error.message}`,
      });
    } else {
      let target: Destination | Error;
      try {
        target = await this.deps.clusterFor(app);
      } catch (err) {
        target = err as Error;
      }
      // A comparison against a cluster that does not answer proves nothing: its
      // live state may be stale or empty, so nothing is Synced, Missing or pruned.
      const unreachable = (t: Destination) => {
        const down = t.cache.unreachable();
        return down ? new Error(unreachableMessage(t, down.error)) : undefined;
      };
      if (!(target instanceof Error)) {
        const compared = unreachable(target)
          ? undefined
          : await this.compare(target, app, ref, state.objects as DiffObject[]);
        const down = unreachable(target);
        if (down) target = down;
        else diff = compared;
      }
      if (target instanceof Error || !diff) {
        // The destination cannot be reached or is unknown: say so, decide nothing, prune nothing.
        status = unknownStatus({
          previous,
          now,
          revision: previous?.sync?.revision,
          error: target instanceof Error ? target.message : 'no comparison was made',
        });
        return this.finish(ref, app, previous, status, undefined, undefined, state);
      }
      status = await this.statusFrom(
        target.cache,
        app,
        diff,
        state.revisions,
        previous,
        now,
        desiredOptOuts(state.objects as DiffObject[]),
      );
      // Orphaned resources come from the watch cache's namespace index: no list per comparison.
      const project = this.deps.project(projectNameOf(app));
      if (project?.spec.orphanedResources?.warn) {
        const untracked = target.cache.untracked(app.spec?.destination?.namespace ?? '');
        const orphaned = orphanedResourceCondition(
          project,
          orphanedResources(project, untracked).length,
        );
        if (orphaned) {
          status = {
            ...status,
            conditions: carryTransitionTimes(
              [...(status.conditions ?? []), orphaned],
              previous?.conditions,
              now,
            ),
          };
        }
      }
      if (app.spec && status.sync) {
        autoSync = decideAutoSync({
          spec: app.spec,
          syncStatus: status.sync,
          resources: status.resources ?? [],
          desiredCount: state.objects.length,
          liveCount: diff.resources.filter((x) => x.status !== ResourceDiffStatus.Missing).length,
          operationInProgress:
            app.operation !== undefined ||
            previous?.operationState?.phase === 'Running' ||
            previous?.operationState?.phase === 'Terminating',
          deleting:
            (app.metadata as { deletionTimestamp?: string } | undefined)?.deletionTimestamp !==
            undefined,
          ...(previous?.operationState ? { lastOperation: previous.operationState } : {}),
          // Only an OutOfSync app can sync: a Synced one (every resync of an idle app) reads no counter.
          selfHealAttempts:
            status.sync.status === SyncStatusCode.OutOfSync
              ? await this.deps.selfHealAttempts(ref, state.revisions[0] ?? '')
              : 0,
          now: new Date(),
        });
        if (autoSync.sync) {
          const d = app.spec.destination;
          window = syncWindowVerdict(
            this.deps.project(projectNameOf(app))?.spec.syncWindows,
            {
              name: app.metadata?.name ?? '',
              destination: { server: d?.server, name: d?.name, namespace: d?.namespace },
            },
            { manual: false, now: new Date() },
          );
          autoSync = windowedAutoSync(autoSync, window, new Date());
          if (window.allowed) window = undefined;
        }
        if (!autoSync.sync && autoSync.condition) {
          status = {
            ...status,
            conditions: carryTransitionTimes(
              [...(status.conditions ?? []), autoSync.condition],
              previous?.conditions,
              now,
            ),
          };
        }
      }
      if (state.warnings.length > 0) {
        status = {
          ...status,
          conditions: carryTransitionTimes(
            [
              ...(status.conditions ?? []),
              ...state.warnings.map((w) => ({ type: 'RepeatedResourceWarning', message: w })),
            ],
            previous?.conditions,
            now,
          ),
        };
      }
    }
    const r = await this.finish(ref, app, previous, status, diff, autoSync, state);
    return window ? { ...r, window } : r;
  }

  /**
   * The app's project checks. The destination is resolved first when it can
   * be, so a project entry naming the cluster's server or its name matches.
   */
  private async projectDenials(app: Application): Promise<ProjectDenial[]> {
    const project = this.deps.project(projectNameOf(app));
    let cluster: { server: string; name: string; project?: string | undefined } | undefined;
    if (project) {
      try {
        const target = await this.deps.resolveCluster(app);
        cluster = { server: target.server, name: target.name, project: target.project };
      } catch {
        // An unknown cluster is reported by the comparison; the spec's own fields are checked.
      }
    }
    return evaluateAppProject(project, app, this.deps.controlNamespace, cluster);
  }

  private async finish(
    ref: AppRef,
    app: Application,
    previous: ApplicationStatus | undefined,
    status: DifferStatus,
    diff: AppDiff | undefined,
    autoSync: AutoSyncDecision | undefined,
    state: DesiredState | undefined,
  ): Promise<Reconciled> {
    const digest = statusDigest(status);
    const key = `${ref.namespace}/${ref.name}`;
    let resourceVersion = (app.metadata as { resourceVersion?: string } | undefined)
      ?.resourceVersion;
    // Unchanged from what the app shows, no write. The app may show the applier's
    // prediction of this comparison (written with a sync's end), so the status read
    // decides, not this process's last write; that one decides only while the copy
    // read is older than it.
    const mine = this.written.get(key);
    // A new app not rendered yet (no status, no desired state, no error) has nothing to
    // say that an empty status does not: its render is asked for, and the comparison
    // after it (or the sync's end) writes the first status.
    const unrendered = previous === undefined && !state && (status.conditions ?? []).length === 0;
    const changed =
      !unrendered &&
      (statusDigest(pickDiffer(previous)) !== digest ||
        (mine !== undefined &&
          mine.digest !== digest &&
          !resourceVersionAtLeast(resourceVersion, mine.resourceVersion)));
    // The first comparison of an app (nothing known yet) that starts an automated sync
    // writes nothing: the operation's end asks for the next one, which writes what the
    // sync made of the app. One Application write fewer per new app (each also goes to
    // every watcher); the sync command names the version compared, so replicas still
    // send it once. An app that was known Synced shows OutOfSync first, as ever: drift
    // stays visible while the sync waits for an applier.
    const firstLook = !previous?.sync?.status || previous.sync.status === SyncStatusCode.Unknown;

    if (changed && !(autoSync?.sync && firstLook)) {
      const written = await rawRequest<Application>(this.deps.kc, {
        method: 'PATCH',
        path: applicationStatusPath(ref.namespace, ref.name),
        query: { fieldManager: DIFFER_FIELD_MANAGER, force: 'true' },
        contentType: APPLY_PATCH_CONTENT_TYPE,
        body: differStatusPatch(app, status),
      });
      this.deps.wrote?.(ref, written);
      resourceVersion = (written.metadata as { resourceVersion?: string } | undefined)
        ?.resourceVersion;
      this.written.set(key, { digest, resourceVersion: resourceVersion ?? '' });
    }
    return {
      app,
      status,
      previous,
      ...(diff ? { diff } : {}),
      ...(autoSync ? { autoSync } : {}),
      ...(resourceVersion ? { resourceVersion } : {}),
      changed,
      needsRender: !state,
    };
  }

  private compare(
    target: Destination,
    app: Application,
    ref: AppRef,
    desired: DiffObject[],
  ): Promise<AppDiff> {
    const marks = this.deps.applied;
    const versionOf = (live: DiffObject) =>
      String((live['metadata'] as { resourceVersion?: string } | undefined)?.resourceVersion ?? '');
    return compareApp({
      kc: target.kc,
      cache: target.cache,
      app,
      ref,
      desired,
      dryRuns: this.dryRuns,
      // The applier's marks, and this differ's no-op predictions written beside them:
      // any replica (or this one after a restart) then skips that dry run.
      ...(marks
        ? {
            appliedAs: (key: ResourceKey, d: DiffObject, live: DiffObject) =>
              marks.applied(target.server, key, desiredHash(d), versionOf(live)),
            predictedUnchanged: (key: ResourceKey, d: DiffObject, live: DiffObject) =>
              marks.mark(target.server, key, desiredHash(d), versionOf(live)),
            // A dry run that predicted a change: the applier's check before the sync
            // that follows would be this very request.
            dryRunPassed: async (key: ResourceKey, d: DiffObject, live: DiffObject) => {
              const version = versionOf(live);
              if (version) await marks.dryRunPassed(target.server, key, desiredHash(d), version);
            },
          }
        : {}),
      // A failed fetch is caught by the reachability check that follows the comparison.
      tolerateFetchErrors: true,
    });
  }

  private async statusFrom(
    cache: ClusterCache,
    app: Application,
    diff: AppDiff,
    revisions: readonly string[],
    previous: ApplicationStatus | undefined,
    now: string,
    optedOut: (r: Pick<AppDiff['resources'][number], 'key'>) => boolean,
  ): Promise<DifferStatus> {
    const compared = await comparedStatus({
      health: this.deps.health,
      resources: diff.resources.map((r) => ({
        diff: r,
        live: cache.get(r.key) as DiffObject | undefined,
      })),
      optedOut,
      syncStatus: diff.summary.status,
      revisions,
      multiSource: (app.spec?.sources?.length ?? 0) > 0,
      previous,
      now,
    });
    return {
      ...compared,
      conditions: carryTransitionTimes(
        diff.summary.conditions.map((c) => ({ type: c.type, message: c.message })),
        previous?.conditions,
        now,
      ),
      reconciledAt: now,
    };
  }
}

function pickDiffer(status: ApplicationStatus | undefined): DifferStatus {
  if (!status) return {};
  const { operationState: _o, history: _h, ...rest } = status;
  return rest;
}
