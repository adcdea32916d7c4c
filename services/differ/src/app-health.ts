// Health for the status: each resource's own health for its row, and the app's
// health from what each resource contributes under the library's rules
// (ignore-healthcheck, child Applications, Missing only for checked kinds).
import {
  appHealthContribution,
  ignoresHealthCheck,
  isHookOrSkipped,
  resourceKeyOf,
  ResourceDiffStatus,
  type DiffObject,
  type HealthAssessor,
  type HealthResult,
  type ResourceDiff,
} from '@flotilla/gitops';
import { HealthStatusCode } from '@flotilla/api';

/** What the differ needs of a health assessor. */
export type DifferHealth = Pick<HealthAssessor, 'assess' | 'missing'>;

/** A resource's health for its status row, and what it adds to the app's health. */
export interface ResourceHealth {
  readonly row?: HealthResult;
  readonly contribution?: HealthResult;
}

/**
 * Finds whether the desired object of a resource opts out of app health. Argo
 * CD reads the annotation from the desired object, so a resource not yet
 * applied (or Missing) can opt out too.
 */
export function desiredOptOuts(desired: readonly DiffObject[]): (r: ResourceDiff) => boolean {
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
  health: DifferHealth,
  r: ResourceDiff,
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
