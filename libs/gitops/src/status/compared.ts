// An app's compared state as `status` shows it: a row per resource with its
// sync status and health, the app's health from what each row contributes,
// and the revision compared. The differ builds it from a comparison; the
// applier predicts it from what a sync just applied, so one status write can
// carry both.
import {
  HealthStatusCode,
  SyncStatusCode,
  type ApplicationStatus,
  type DifferStatus,
} from '@flotilla/api';
import { ResourceDiffStatus, type DiffObject, type ResourceDiff } from '../diff/types.js';
import { resourceKeyOf } from '../diff/tracking.js';
import { aggregateHealth, appHealthContribution, ignoresHealthCheck } from '../health/aggregate.js';
import type { HealthAssessor } from '../health/assessor.js';
import type { HealthResult } from '../health/types.js';
import { isHookOrSkipped } from '../resource/hooks.js';

type Resources = NonNullable<ApplicationStatus['resources']>;

/** What a status needs of a health assessor. */
export type StatusHealth = Pick<HealthAssessor, 'assess' | 'missing'>;

/** A resource's health for its status row, and what it adds to the app's health. */
export interface ResourceHealth {
  readonly row?: HealthResult;
  readonly contribution?: HealthResult;
}

/** One compared resource: its diff verdict and the live object, when there is one. */
export interface ComparedResource {
  readonly diff: Pick<ResourceDiff, 'key' | 'status' | 'requiresPruning'>;
  readonly live: DiffObject | undefined;
}

/** The differ's sync, health and resources for a set of compared resources. */
export type ComparedStatus = Required<Pick<DifferStatus, 'sync' | 'health' | 'resources'>>;

/**
 * Finds whether the desired object of a resource opts out of app health. Argo
 * CD reads the annotation from the desired object, so a resource not yet
 * applied (or Missing) can opt out too.
 */
export function desiredOptOuts(
  desired: readonly DiffObject[],
): (r: Pick<ResourceDiff, 'key'>) => boolean {
  const opted = desired.filter((d) => ignoresHealthCheck(d)).map(resourceKeyOf);
  return (r) =>
    opted.some(
      (k) =>
        k.group === r.key.group &&
        k.kind === r.key.kind &&
        k.name === r.key.name &&
        (k.namespace === '' || k.namespace === r.key.namespace),
    );
}

/**
 * The health of one compared resource. A resource that should exist but does
 * not shows Missing on its row, as in Argo CD, and counts only when its kind
 * has a check (`HealthAssessor.missing`). Hooks and extraneous resources never
 * count toward the app.
 */
export async function resourceHealth(
  health: StatusHealth,
  r: Pick<ResourceDiff, 'key' | 'status'>,
  live: DiffObject | undefined,
  optedOut: boolean,
): Promise<ResourceHealth> {
  if (r.status === ResourceDiffStatus.Missing) {
    const contribution = optedOut ? undefined : appHealthContribution(r.key, health.missing(r.key));
    return { row: { status: HealthStatusCode.Missing }, ...(contribution ? { contribution } : {}) };
  }
  if (!live) return {};
  const row = await health.assess(live);
  const counts = !optedOut && r.status !== ResourceDiffStatus.Extraneous && !isHookOrSkipped(live);
  const contribution = counts ? appHealthContribution(r.key, row, live) : undefined;
  return { ...(row ? { row } : {}), ...(contribution ? { contribution } : {}) };
}

/**
 * The status of compared resources: rows sorted as Argo CD lists them, the
 * app's health (its transition time kept while it is unchanged), and the
 * revisions compared (`revisions` for a multi-source app).
 */
export async function comparedStatus(input: {
  readonly health: StatusHealth;
  readonly resources: readonly ComparedResource[];
  readonly optedOut: (r: Pick<ResourceDiff, 'key'>) => boolean;
  readonly syncStatus: SyncStatusCode;
  readonly revisions: readonly string[];
  readonly multiSource: boolean;
  readonly previous: ApplicationStatus | undefined;
  readonly now: string;
}): Promise<ComparedStatus> {
  const { previous, now } = input;
  const rows: Resources = [];
  const contributions: HealthResult[] = [];
  for (const { diff: r, live } of input.resources) {
    if (r.status === ResourceDiffStatus.Shared) continue;
    const { row: h, contribution } = await resourceHealth(input.health, r, live, input.optedOut(r));
    if (contribution) contributions.push(contribution);
    rows.push({
      group: r.key.group,
      version: versionOf(live),
      kind: r.key.kind,
      namespace: r.key.namespace,
      name: r.key.name,
      status:
        r.status === ResourceDiffStatus.Synced
          ? SyncStatusCode.Synced
          : r.status === ResourceDiffStatus.Error
            ? SyncStatusCode.Unknown
            : SyncStatusCode.OutOfSync,
      ...(h ? { health: { status: h.status, ...(h.message ? { message: h.message } : {}) } } : {}),
      ...(r.requiresPruning ? { requiresPruning: true } : {}),
    });
  }
  const health = aggregateHealth(contributions).status;
  const revisions = input.revisions;
  return {
    sync: {
      status: input.syncStatus,
      ...(input.multiSource
        ? { revisions: [...revisions] }
        : revisions[0]
          ? { revision: revisions[0] }
          : {}),
    },
    health: {
      status: health,
      ...(health !== previous?.health?.status
        ? { lastTransitionTime: now }
        : previous?.health?.lastTransitionTime
          ? { lastTransitionTime: previous.health.lastTransitionTime }
          : {}),
    },
    resources: sortResources(rows),
  };
}

/** Sorts status resources as Argo CD lists them: group, kind, namespace, name. */
export function sortResources(resources: Resources): Resources {
  const k = (r: Resources[number]) =>
    `${r.group ?? ''}/${r.kind ?? ''}/${r.namespace ?? ''}/${r.name ?? ''}`;
  return [...resources].sort((a, b) => k(a).localeCompare(k(b)));
}

function versionOf(o: DiffObject | undefined): string {
  const v = String(o?.['apiVersion'] ?? '');
  return v.includes('/') ? (v.split('/')[1] ?? '') : v;
}
