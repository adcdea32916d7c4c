// App health from resource health: the worst status wins.
import { HealthStatusCode } from '@flotilla/api';
import { annotationsOf } from '../resource/index.js';
import { isWorseHealth } from './status.js';
import type { HealthGroupKind, HealthObject, HealthResult } from './types.js';

/** Annotations that take a resource out of its app's health, with the value "true". */
export const IGNORE_HEALTH_ANNOTATIONS: readonly string[] = [
  'argocd.argoproj.io/ignore-healthcheck',
  'flotilla.dev/ignore-healthcheck',
];

const APPLICATION_GROUPS: readonly string[] = ['argoproj.io', 'flotilla.dev'];

/**
 * The health of an app: the worst of its resources' statuses, Healthy when
 * there are none. `undefined` entries (kinds without a check) are skipped; the
 * caller leaves out hooks and passes `Missing` for absent resources whose kind
 * has a check (see `HealthAssessor.missing`).
 */
export function aggregateHealth(results: Iterable<HealthResult | undefined>): HealthResult {
  let status: HealthStatusCode = HealthStatusCode.Healthy;
  for (const r of results) if (r && isWorseHealth(status, r.status)) status = r.status;
  return { status };
}

/** True when the live object asks to be left out of its app's health. */
export function ignoresHealthCheck(live: HealthObject | undefined): boolean {
  if (!live) return false;
  const ann = annotationsOf(live);
  return IGNORE_HEALTH_ANNOTATIONS.some((key) => ann[key] === 'true');
}

/**
 * What one resource contributes to its app's health, following Argo CD: nothing
 * when the live object opts out, and nothing for a child Application that is
 * Missing or Unknown (the child reports its own trouble).
 */
export function appHealthContribution(
  gk: HealthGroupKind,
  result: HealthResult | undefined,
  live?: HealthObject,
): HealthResult | undefined {
  if (!result || ignoresHealthCheck(live)) return undefined;
  const childApp = gk.kind === 'Application' && APPLICATION_GROUPS.includes(gk.group);
  if (
    childApp &&
    (result.status === HealthStatusCode.Missing || result.status === HealthStatusCode.Unknown)
  ) {
    return undefined;
  }
  return result;
}
