// The vocabulary of health assessment: what a check reads and what it returns.
import type { HealthStatusCode } from '@flotilla/api';

/** A Kubernetes object as plain JSON, as the cluster returned it. */
export type HealthObject = Readonly<Record<string, unknown>>;

/**
 * The health of one resource, as data. A check that cannot decide returns
 * `Unknown` with a message; `message` is left out when there is nothing to say.
 */
export interface HealthResult {
  readonly status: HealthStatusCode;
  readonly message?: string;
}

/** The API group ('' for core) and kind a health check is chosen by. */
export interface HealthGroupKind {
  readonly group: string;
  readonly kind: string;
}

/** A built-in check: a pure function of the live object. */
export type HealthCheck = (obj: HealthObject) => HealthResult;
