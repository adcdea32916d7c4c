import { isDeepStrictEqual } from 'node:util';
import {
  APPLICATION_SET,
  GROUP,
  VERSION,
  type Application,
  type ApplicationSet,
  type ApplicationSetStatus,
} from '@flotilla/api';
import {
  AppSetErrorReason,
  TooManyParamsError,
  generate,
  ROLLING_SYNC_INITIATOR,
  isOwnedBy,
  isRollingSync,
  jqIgnoredPaths,
  rateLimitWait,
  ScmRateLimits,
  planAppSet,
  planRollout,
  rolloutApp,
  withoutAutomatedSync,
  type RolloutPlan,
  rawMeta,
  renderApplications,
  requeueAfterSeconds,
  type GeneratorContext,
  type TemplateEngine,
} from '@flotilla/appset';
import type { AppRef } from '@flotilla/contracts';
import {
  checkSourceRepo,
  isAppNamespacePermitted,
  missingProjectDenial,
  namespaceDenial,
  projectNameOf,
  type ProjectView,
} from '@flotilla/gitops';
import { ApiError, ApplicationClient, rawRequest } from '@flotilla/kube';
import type { KubeAccess } from '@flotilla/kube';
import { statusFor, type Outcome } from './status.js';

const e = encodeURIComponent;

/** URL path of an ApplicationSet (or its status). */
export function appSetPath(ref: AppRef, status = false): string {
  return `/apis/${GROUP}/${VERSION}/namespaces/${e(ref.namespace)}/${APPLICATION_SET.plural}/${e(ref.name)}${status ? '/status' : ''}`;
}

/** Where the reconciler reads clusters and Git. */
export interface ReconcilerDeps {
  readonly kc: KubeAccess;
  readonly templates: TemplateEngine;
  readonly maxApplications: number;
  clusters: GeneratorContext['clusters'];
  gitTree: GeneratorContext['gitTree'];
  refs?: GeneratorContext['refs'];
  /** The decoded data of a Secret of a set's namespace (SCM tokens). */
  secret?: (namespace: string, name: string) => Promise<Readonly<Record<string, string>>>;
  /**
   * Whether the roles serve Applications of a namespace (the control namespace
   * and FLOTILLA_APPLICATION_NAMESPACES); a set of another namespace generates
   * nothing. Every namespace when unset.
   */
  appNamespaceServed?: (namespace: string) => boolean;
  /**
   * The control namespace and a reader of its AppProjects: a set of another
   * namespace reads Git only for repositories its template's project allows
   * (`sourceRepos`), a project that lets Applications of the set's namespace
   * use it (`sourceNamespaces`). No check when unset.
   */
  projects?: {
    readonly namespace: string;
    get(name: string): Promise<ProjectView | undefined>;
  };
  /** A key of a ConfigMap of a set's namespace (SCM CA certificates). */
  configMapKey?: (namespace: string, name: string, key: string) => Promise<string>;
  /** CA certificates trusted for every SCM provider's API. */
  scmRootCa?: string;
  scmTimeoutMs?: number;
  /** Rate limits answered by SCM providers (one per controller when unset). */
  scmRateLimits?: ScmRateLimits;
}

/** What one reconcile did. */
export interface ReconcileResult {
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
  readonly status: ApplicationSetStatus;
  /** Seconds until the generators should run again, when they ask. */
  readonly requeueAfterSeconds: number | undefined;
}

/**
 * The check every Git read of a set outside the control namespace passes first
 * (the Git generators and a pullRequest generator's `gitRefs`, templated URLs
 * included, as the generator asks for them): the repository must be one its
 * template's project allows, and the project must let the set's namespace use
 * it. Undefined for a set of the control namespace. A refusal is the
 * generator's failure: nothing is read, and the set's Applications stay.
 */
function gitGuard(
  deps: ReconcilerDeps,
  set: ApplicationSet,
  namespace: string,
): ((repoURL: string) => Promise<void>) | undefined {
  const projects = deps.projects;
  if (!projects || namespace === projects.namespace) return undefined;
  const raw: unknown = set.spec.template?.spec?.project;
  const name = projectNameOf({ spec: { project: typeof raw === 'string' ? raw : undefined } });
  let read: Promise<ProjectView | undefined> | undefined;
  return async (repoURL) => {
    if (name.includes('{{'))
      throw new Error(
        `an ApplicationSet outside the control namespace reads Git only for repositories its project allows, so its template names the project as it is, not a template (${name})`,
      );
    const project = await (read ??= projects.get(name));
    if (!project) throw new Error(missingProjectDenial(name).message);
    if (!isAppNamespacePermitted(project.spec, namespace, projects.namespace))
      throw new Error(namespaceDenial(project, namespace).message);
    const denial = checkSourceRepo(project, repoURL);
    if (denial) throw new Error(denial.message);
  };
}

/** What the pullRequest generator's API modes read, bound to the set's namespace. */
function scmSources(
  deps: ReconcilerDeps,
  namespace: string,
  scmRateLimits: ScmRateLimits,
): Partial<GeneratorContext> {
  const { secret, configMapKey, scmRootCa, scmTimeoutMs } = deps;
  return {
    scmRateLimits,
    ...(secret ? { secret: (name) => secret(namespace, name) } : {}),
    ...(configMapKey ? { configMapKey: (name, key) => configMapKey(namespace, name, key) } : {}),
    ...(scmRootCa ? { scmRootCa } : {}),
    ...(scmTimeoutMs ? { scmTimeoutMs } : {}),
  };
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Reconciles one ApplicationSet: generate, render, plan, then create,
 * update and delete its Applications, and write its status. A generator
 * failure changes no Application; a render failure holds deletions back.
 */
export class AppSetReconciler {
  private readonly apps: ApplicationClient;
  private readonly limits: ScmRateLimits;

  constructor(private readonly deps: ReconcilerDeps) {
    this.apps = new ApplicationClient(deps.kc);
    this.limits = deps.scmRateLimits ?? new ScmRateLimits();
  }

  async get(ref: AppRef): Promise<ApplicationSet | undefined> {
    try {
      return await rawRequest<ApplicationSet>(this.deps.kc, {
        method: 'GET',
        path: appSetPath(ref),
      });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async reconcile(ref: AppRef): Promise<ReconcileResult | undefined> {
    const set = await this.get(ref);
    if (!set || rawMeta(set)['deletionTimestamp']) return undefined;
    const existing = await this.apps.list(ref.namespace);
    const byName = new Map(existing.map((a) => [a.metadata.name ?? '', a]));
    const requeue = requeueAfterSeconds(set.spec.generators);
    const owned = () => existing.filter((a) => isOwnedBy(a, set)).map((a) => a.metadata.name ?? '');
    // Generated Applications live in the set's namespace; when no role serves
    // Applications there, generating them would only make apps nothing acts on.
    if (this.deps.appNamespaceServed && !this.deps.appNamespaceServed(ref.namespace)) {
      const outcome: Outcome = {
        generationError: {
          reason: AppSetErrorReason.InvalidSpec,
          message: `the Applications of an ApplicationSet live in its namespace, and Applications in namespace '${ref.namespace}' are not served: FLOTILLA_APPLICATION_NAMESPACES does not name it`,
        },
        errors: [],
        owned: owned(),
      };
      return this.finish(set, outcome, byName, { created: 0, updated: 0, deleted: 0 }, requeue);
    }
    const guard = gitGuard(this.deps, set, ref.namespace);
    const { gitTree, refs } = this.deps;
    const ctx: GeneratorContext = {
      goTemplate: set.spec.goTemplate === true,
      goTemplateOptions: set.spec.goTemplateOptions ?? [],
      templates: this.deps.templates,
      maxParams: this.deps.maxApplications,
      clusters: this.deps.clusters,
      gitTree: guard
        ? async (url, rev) => {
            await guard(url);
            return gitTree(url, rev);
          }
        : gitTree,
      ...(refs
        ? {
            refs: guard
              ? async (url: string) => {
                  await guard(url);
                  return refs(url);
                }
              : refs,
          }
        : {}),
      ...scmSources(this.deps, ref.namespace, this.limits),
    };
    let outputs;
    try {
      outputs = await generate(set.spec.generators, ctx);
    } catch (err) {
      const reason =
        err instanceof TooManyParamsError
          ? AppSetErrorReason.TooManyApplications
          : AppSetErrorReason.ParamsGeneration;
      const outcome: Outcome = {
        generationError: { reason, message: message(err) },
        errors: [],
        owned: owned(),
      };
      // A rate-limited provider is asked again when its wait is over, not before
      // (earlier runs fail at once without asking it) and not much later.
      const wait = rateLimitWait(err);
      return this.finish(
        set,
        outcome,
        byName,
        { created: 0, updated: 0, deleted: 0 },
        wait !== undefined ? wait + 1 : requeue,
      );
    }
    const rendered = await renderApplications(set, outputs, this.deps.templates);
    const errors: { reason: string; message: string }[] = [];
    for (const r of rendered) {
      if (!r.ok)
        errors.push({
          reason:
            r.reason === 'invalid'
              ? AppSetErrorReason.InvalidApplication
              : AppSetErrorReason.RenderTemplateParams,
          message: r.message,
        });
    }
    const rolling = isRollingSync(set);
    const good = rendered.flatMap((r) => (r.ok ? [r.app] : []));
    // A RollingSync set syncs its Applications itself, step by step, with the
    // prune the template's automated policy asked for.
    const prune = new Map(
      good.map((a) => [a.metadata.name ?? '', a.spec.syncPolicy?.automated?.prune === true]),
    );
    const desired = rolling ? good.map(withoutAutomatedSync) : good;
    // Fields the set's jq path expressions select stay as they are live.
    const jq = await jqIgnoredPaths(set, existing);
    for (const [name, msg] of jq.errors)
      errors.push({
        reason: AppSetErrorReason.InvalidApplication,
        message: `Application ${name} is not updated: ${msg}`,
      });
    const plan = planAppSet(set, desired, existing, errors.length === 0, {
      pointers: jq.pointers,
      hold: new Set(jq.errors.keys()),
    });
    for (const name of plan.collisions)
      errors.push({
        reason: AppSetErrorReason.NameCollision,
        message: `Application ${name} exists and is not owned by this ApplicationSet; it is left alone`,
      });
    for (const name of plan.duplicates)
      errors.push({
        reason: AppSetErrorReason.NameCollision,
        message: `two parameter sets generate the Application name ${name}; the first is used`,
      });
    const counts = { created: 0, updated: 0, deleted: 0 };
    const written = new Map<string, Application>();
    for (const app of plan.create) {
      try {
        written.set(app.metadata.name ?? '', await this.apps.create(ref.namespace, app));
        counts.created++;
      } catch (err) {
        errors.push({
          reason: AppSetErrorReason.InvalidApplication,
          message: `creating ${app.metadata.name}: ${message(err)}`,
        });
      }
    }
    for (const app of plan.update) {
      try {
        const put = await rawRequest<Application>(this.deps.kc, {
          method: 'PUT',
          path: `/apis/${GROUP}/${VERSION}/namespaces/${e(ref.namespace)}/applications/${e(app.metadata.name ?? '')}`,
          body: app,
        });
        written.set(app.metadata.name ?? '', put);
        counts.updated++;
      } catch (err) {
        errors.push({
          reason: AppSetErrorReason.InvalidApplication,
          message: `updating ${app.metadata.name}: ${message(err)}`,
        });
      }
    }
    for (const name of plan.delete) {
      try {
        await this.apps.delete({ namespace: ref.namespace, name });
        counts.deleted++;
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404))
          errors.push({
            reason: AppSetErrorReason.InvalidApplication,
            message: `deleting ${name}: ${message(err)}`,
          });
      }
    }
    const rollout = rolling
      ? planRollout(
          set,
          plan.owned.flatMap((name) => {
            const a = written.get(name) ?? byName.get(name);
            return a && !rawMeta(a)['deletionTimestamp'] ? [rolloutApp(a, written.has(name))] : [];
          }),
          now(),
        )
      : undefined;
    const result = await this.finish(
      set,
      { errors, owned: plan.owned },
      byName,
      counts,
      requeue,
      rollout,
    );
    if (rollout?.sync.length) await this.startSyncs(set, rollout, prune, result.status);
    return result;
  }

  /**
   * Requests a sync of each Application a RollingSync step moved to Pending
   * (after the status recording it is written, so another replica never
   * starts the same ones). A request that fails puts the app back to Waiting.
   */
  private async startSyncs(
    set: ApplicationSet,
    rollout: RolloutPlan,
    prune: ReadonlyMap<string, boolean>,
    status: ApplicationSetStatus,
  ): Promise<void> {
    const ns = set.metadata.namespace ?? '';
    const failed = new Set<string>();
    for (const name of rollout.sync) {
      try {
        await this.apps.patchOperation(
          { namespace: ns, name },
          {
            sync: prune.get(name) ? { prune: true } : {},
            initiatedBy: { username: ROLLING_SYNC_INITIATOR, automated: true },
            info: [
              {
                name: 'Reason',
                value: 'ApplicationSet RollingSync triggered a sync of this Application resource.',
              },
            ],
          },
        );
      } catch {
        failed.add(name);
      }
    }
    if (failed.size === 0) return;
    const applicationStatus = (status.applicationStatus ?? []).map((s) =>
      failed.has(s.application)
        ? {
            ...s,
            status: 'Waiting',
            message: 'Requesting a sync of the Application failed; it is tried again.',
          }
        : s,
    );
    await rawRequest(this.deps.kc, {
      method: 'PATCH',
      path: appSetPath({ namespace: ns, name: set.metadata.name ?? '' }, true),
      contentType: 'application/merge-patch+json',
      body: { status: { applicationStatus } },
    });
  }

  private async finish(
    set: ApplicationSet,
    outcome: Outcome,
    apps: ReadonlyMap<string, Application>,
    counts: { created: number; updated: number; deleted: number },
    requeue: number | undefined,
    rollout?: RolloutPlan,
  ): Promise<ReconcileResult> {
    const status = statusFor(outcome, set.status, apps, set.metadata.namespace ?? '', undefined, {
      rolling: isRollingSync(set),
      ...(rollout ? { rollout } : {}),
    });
    const ref = { namespace: set.metadata.namespace ?? '', name: set.metadata.name ?? '' };
    const next = { ...status, observedGeneration: rawMeta(set)['generation'] };
    // Written only when it changes: a status write is an update event of the set.
    // A rollout's status is written only over the status it was planned from
    // (a 409 retries the command), so two reconciles never both start a step.
    if (!isDeepStrictEqual(next, set.status ?? {})) {
      await rawRequest(this.deps.kc, {
        method: 'PATCH',
        path: appSetPath(ref, true),
        contentType: 'application/merge-patch+json',
        body: {
          ...(rollout ? { metadata: { resourceVersion: rawMeta(set)['resourceVersion'] } } : {}),
          status: {
            ...next,
            ...(isRollingSync(set) ? {} : { applicationStatus: null }),
          },
        },
      });
    }
    return { ...counts, status, requeueAfterSeconds: requeue };
  }
}
