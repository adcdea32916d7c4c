import type { RolloutPlan } from '@flotilla/appset';
import {
  ApplicationSetConditionType,
  type Application,
  type ApplicationSetCondition,
  type ApplicationSetStatus,
} from '@flotilla/api';

/** What a reconcile found, for the set's status. */
export interface Outcome {
  /** Generation failed: the reason and message; nothing was changed. */
  readonly generationError?: { reason: string; message: string };
  /** Problems that stopped some Applications (render, validation, collisions, API errors). */
  readonly errors: readonly { reason: string; message: string }[];
  /** Names the set owns, with their Applications when known. */
  readonly owned: readonly string[];
}

function condition(
  type: string,
  status: 'True' | 'False',
  reason: string,
  message: string,
  previous: readonly ApplicationSetCondition[],
  now: string,
): ApplicationSetCondition {
  const prev = previous.find((c) => c.type === type);
  const same = prev && prev.status === status;
  return {
    type,
    status,
    reason,
    message,
    lastTransitionTime: same && prev.lastTransitionTime ? prev.lastTransitionTime : now,
  };
}

/** The set's status after a reconcile: conditions as Argo CD names them, and its Applications. */
export function statusFor(
  outcome: Outcome,
  previous: ApplicationSetStatus | undefined,
  apps: ReadonlyMap<string, Application>,
  namespace: string,
  now = new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  rolling: { rolling?: boolean; rollout?: RolloutPlan } = {},
): ApplicationSetStatus {
  const prev = previous?.conditions ?? [];
  const gen = outcome.generationError;
  const first = gen ?? outcome.errors[0];
  const errorText = gen
    ? gen.message
    : outcome.errors
        .map((e) => e.message)
        .join('; ')
        .slice(0, 4000);
  const conditions = [
    // Argo CD's ErrorOccurred is True when an error occurred.
    condition(
      ApplicationSetConditionType.ErrorOccurred,
      first ? 'True' : 'False',
      first ? first.reason : 'ApplicationSetUpToDate',
      first ? errorText : 'Successfully generated parameters for all Applications',
      prev,
      now,
    ),
    condition(
      ApplicationSetConditionType.ParametersGenerated,
      gen ? 'False' : 'True',
      gen ? gen.reason : 'ParametersGenerated',
      gen ? gen.message : 'Successfully generated parameters for all Applications',
      prev,
      now,
    ),
    condition(
      ApplicationSetConditionType.ResourcesUpToDate,
      first ? 'False' : 'True',
      first ? first.reason : 'ApplicationSetUpToDate',
      first
        ? gen
          ? 'the last generated Applications are kept until the generators work again'
          : errorText
        : 'All applications have been generated successfully',
      prev,
      now,
    ),
  ];
  // A RollingSync set's progress; kept as it was when this reconcile planned none.
  const { rollout } = rolling;
  const kept = prev.find((c) => c.type === ApplicationSetConditionType.RolloutProgressing);
  if (rollout)
    conditions.push(
      condition(
        ApplicationSetConditionType.RolloutProgressing,
        rollout.progressing.status,
        rollout.progressing.reason,
        rollout.progressing.message,
        prev,
        now,
      ),
    );
  else if (rolling.rolling && kept) conditions.push(kept);
  const applicationStatus = rollout
    ? rollout.applicationStatus
    : rolling.rolling
      ? previous?.applicationStatus
      : undefined;
  return {
    conditions,
    ...(applicationStatus ? { applicationStatus } : {}),
    resources: outcome.owned.map((name) => {
      const a = apps.get(name);
      return {
        name,
        namespace,
        ...(a?.status?.health?.status ? { health: { status: a.status.health.status } } : {}),
        ...(a?.status?.sync?.status ? { status: a.status.sync.status } : {}),
      };
    }),
  };
}
