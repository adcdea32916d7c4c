// The differ's status when a comparison could not be made: it says so and
// destroys nothing, keeping the health and resources it last knew.
import {
  HealthStatusCode,
  SyncStatusCode,
  type ApplicationStatus,
  type DifferStatus,
} from '@flotilla/api';
import { carryTransitionTimes } from './status.js';

/** What an uncompared status carries over and why the comparison did not happen. */
export interface UnknownStatusInput {
  readonly previous: ApplicationStatus | undefined;
  readonly now: string;
  /** The revision to report, when one is known. */
  readonly revision?: string | undefined;
  /** Why no comparison was made, as a ComparisonError condition; none when absent. */
  readonly error?: string | undefined;
  /** The condition type of `error`; ComparisonError unless the spec itself is refused. */
  readonly conditionType?: 'ComparisonError' | 'InvalidSpecError';
}

/** Sync Unknown, health and resources as last known, and a condition saying why. */
export function unknownStatus(input: UnknownStatusInput): DifferStatus {
  const { previous, now, revision, error, conditionType = 'ComparisonError' } = input;
  return {
    sync: { status: SyncStatusCode.Unknown, ...(revision ? { revision } : {}) },
    health: previous?.health ?? { status: HealthStatusCode.Unknown },
    resources: previous?.resources ?? [],
    conditions: carryTransitionTimes(
      error ? [{ type: conditionType, message: error }] : [],
      previous?.conditions,
      now,
    ),
    reconciledAt: now,
  };
}
