// The built-in checks, chosen by group and kind as gitops-engine's
// GetHealthCheckFunc does, plus CronJob, CRD and Namespace, common operators'
// kinds (Argo CD judges those with community Lua scripts), and Crossplane
// claims, recognised by shape since their kinds are user-defined.
import { HealthStatusCode } from '@flotilla/api';
import { pendingDeletionHealth } from './deletion.js';
import { apiServiceHealth } from './kinds/apiservice.js';
import { certificateHealth } from './kinds/certificate.js';
import { crossplaneClaimHealth, isCrossplaneClaim } from './kinds/crossplane-claim.js';
import { externalSecretHealth } from './kinds/externalsecret.js';
import { rolloutHealth } from './kinds/rollout.js';
import { scaledObjectHealth } from './kinds/scaledobject.js';
import { sealedSecretHealth } from './kinds/sealedsecret.js';
import { cronJobHealth } from './kinds/cronjob.js';
import { crdHealth } from './kinds/crd.js';
import { daemonSetHealth } from './kinds/daemonset.js';
import { deploymentHealth } from './kinds/deployment.js';
import { hpaHealth } from './kinds/hpa.js';
import { ingressHealth } from './kinds/ingress.js';
import { jobHealth } from './kinds/job.js';
import { namespaceHealth } from './kinds/namespace.js';
import { podHealth } from './kinds/pod.js';
import { pvcHealth } from './kinds/pvc.js';
import { replicaSetHealth } from './kinds/replicaset.js';
import { serviceHealth } from './kinds/service.js';
import { statefulSetHealth } from './kinds/statefulset.js';
import { workflowHealth } from './kinds/workflow.js';
import { groupKindOf } from '../resource/index.js';
import type { HealthCheck, HealthGroupKind, HealthObject, HealthResult } from './types.js';

const CHECKS: ReadonlyMap<string, HealthCheck> = new Map([
  ['apps/Deployment', deploymentHealth],
  ['apps/StatefulSet', statefulSetHealth],
  ['apps/ReplicaSet', replicaSetHealth],
  ['apps/DaemonSet', daemonSetHealth],
  ['extensions/Ingress', ingressHealth],
  ['networking.k8s.io/Ingress', ingressHealth],
  ['argoproj.io/Workflow', workflowHealth],
  ['apiregistration.k8s.io/APIService', apiServiceHealth],
  ['apiextensions.k8s.io/CustomResourceDefinition', crdHealth],
  ['/Service', serviceHealth],
  ['/PersistentVolumeClaim', pvcHealth],
  ['/Pod', podHealth],
  ['/Namespace', namespaceHealth],
  ['batch/Job', jobHealth],
  ['batch/CronJob', cronJobHealth],
  ['autoscaling/HorizontalPodAutoscaler', hpaHealth],
  ['cert-manager.io/Certificate', certificateHealth],
  ['argoproj.io/Rollout', rolloutHealth],
  ['bitnami.com/SealedSecret', sealedSecretHealth],
  ['external-secrets.io/ExternalSecret', externalSecretHealth],
  ['keda.sh/ScaledObject', scaledObjectHealth],
]);

/** The built-in check for a group and kind, or undefined when there is none. */
export function builtinHealthCheck(gk: HealthGroupKind): HealthCheck | undefined {
  return CHECKS.get(`${gk.group}/${gk.kind}`);
}

/**
 * The built-in check for a live object: by its group and kind, else by its
 * shape (Crossplane claims); undefined when there is none.
 */
export function builtinHealthCheckFor(obj: HealthObject): HealthCheck | undefined {
  return (
    builtinHealthCheck(groupKindOf(obj)) ??
    (isCrossplaneClaim(obj) ? crossplaneClaimHealth : undefined)
  );
}

/** Runs a check; a check that throws on a malformed object yields Unknown instead. */
export function runHealthCheck(check: HealthCheck, obj: HealthObject): HealthResult {
  try {
    return check(obj);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { status: HealthStatusCode.Unknown, message: `health check failed: ${why}` };
  }
}

/**
 * The health of a live object by the built-in checks alone, synchronously;
 * undefined when its kind has no built-in check.
 */
export function assessBuiltinHealth(obj: HealthObject): HealthResult | undefined {
  const check = builtinHealthCheckFor(obj);
  if (!check) return undefined;
  return pendingDeletionHealth(obj) ?? runHealthCheck(check, obj);
}
