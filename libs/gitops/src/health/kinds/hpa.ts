// autoscaling/HorizontalPodAutoscaler, after Argo CD's HPA health check: v1
// keeps its conditions in an annotation, later versions in status.conditions.
import { HealthStatusCode as H } from '@flotilla/api';
import { annotationsOf, part, text } from '../../resource/index.js';
import { conditionsOf, health, type Condition } from '../checks.js';
import type { HealthObject, HealthResult } from '../types.js';

const V1_CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
const WAITING = health(H.Progressing, 'Waiting to Autoscale');

/** Condition type and reason pairs that mean the autoscaler cannot do its job. */
const DEGRADED: ReadonlyArray<readonly [type: string, reason: string]> = [
  ['AbleToScale', 'FailedGetScale'],
  ['AbleToScale', 'FailedUpdateScale'],
  ['ScalingActive', 'FailedGetResourceMetric'],
  ['ScalingActive', 'FailedGetObjectMetric'],
  ['ScalingActive', 'FailedGetPodsMetric'],
  ['ScalingActive', 'FailedGetExternalMetric'],
  ['ScalingActive', 'FailedComputeMetricsReplicas'],
  ['ScalingActive', 'InvalidSelector'],
];

function judge(conditions: readonly Condition[]): HealthResult {
  const degraded = conditions.find((c) =>
    DEGRADED.some(([t, r]) => c.type === t && c.reason === r),
  );
  if (degraded) return health(H.Degraded, degraded.message);
  const healthy = conditions.find(
    (c) => c.status === 'True' && (c.type === 'AbleToScale' || c.type === 'ScalingLimited'),
  );
  return healthy ? health(H.Healthy, healthy.message) : WAITING;
}

/**
 * Degraded when a condition reports a failure to read the scale target or its
 * metrics; Healthy when it is able to scale; otherwise Progressing.
 */
export function hpaHealth(obj: HealthObject): HealthResult {
  const apiVersion = text(obj['apiVersion']);
  if (apiVersion === 'autoscaling/v1') {
    const annotation = annotationsOf(obj)[V1_CONDITIONS_ANNOTATION];
    if (annotation === undefined) return WAITING;
    let parsed: unknown;
    try {
      parsed = JSON.parse(annotation);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      return health(H.Unknown, `failed to convert conditions annotation to typed: ${why}`);
    }
    const conditions = conditionsOf(parsed);
    return conditions.length === 0 ? WAITING : judge(conditions);
  }
  if (/^autoscaling\/v2(beta[12])?$/.test(apiVersion)) {
    return judge(conditionsOf(part(obj, 'status')['conditions']));
  }
  return health(H.Unknown, `unsupported HPA GVK: ${apiVersion}, Kind=HorizontalPodAutoscaler`);
}
