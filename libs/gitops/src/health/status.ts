// The order of health statuses and comparisons over it.
import { HealthStatusCode } from '@flotilla/api';

/** Health statuses from best to worst, as Argo CD orders them. */
export const HEALTH_ORDER: readonly HealthStatusCode[] = [
  HealthStatusCode.Healthy,
  HealthStatusCode.Suspended,
  HealthStatusCode.Progressing,
  HealthStatusCode.Missing,
  HealthStatusCode.Degraded,
  HealthStatusCode.Unknown,
];

/** True when `value` is one of the six health status codes. */
export function isHealthStatusCode(value: unknown): value is HealthStatusCode {
  return typeof value === 'string' && (HEALTH_ORDER as readonly string[]).includes(value);
}

/** Position of a status in {@link HEALTH_ORDER}: 0 is Healthy, higher is worse. */
export function healthRank(status: HealthStatusCode): number {
  return HEALTH_ORDER.indexOf(status);
}

/** True when `next` is strictly worse than `current`. */
export function isWorseHealth(current: HealthStatusCode, next: HealthStatusCode): boolean {
  return healthRank(next) > healthRank(current);
}

/** The worse of two statuses. */
export function worstHealth(a: HealthStatusCode, b: HealthStatusCode): HealthStatusCode {
  return isWorseHealth(a, b) ? b : a;
}
