// Every built-in check against fixtures modelled on gitops-engine's testdata,
// through the registry, so the right check is chosen by group and kind.
import { HealthStatusCode as H } from '@flotilla/api';
import { describe, expect, it } from 'vitest';
import { assessBuiltinHealth, type HealthResult } from '../../src/health/index.js';
import { crdHealth } from '../../src/health/kinds/crd.js';
import { fixture } from './fixtures.js';

type Row = readonly [fixture: string, status: H, message?: string];

const TABLE: Record<string, readonly Row[]> = {
  Deployment: [
    ['deployment-healthy', H.Healthy],
    [
      'deployment-progressing',
      H.Progressing,
      'Waiting for rollout to finish: 1 old replicas are pending termination...',
    ],
    [
      'deployment-updating',
      H.Progressing,
      'Waiting for rollout to finish: 1 out of 3 new replicas have been updated...',
    ],
    [
      'deployment-unavailable',
      H.Progressing,
      'Waiting for rollout to finish: 2 of 3 updated replicas are available...',
    ],
    [
      'deployment-stale-generation',
      H.Progressing,
      'Waiting for rollout to finish: observed deployment generation less than desired generation',
    ],
    ['deployment-suspended', H.Suspended, 'Deployment is paused'],
    ['deployment-degraded', H.Degraded, 'Deployment "guestbook-ui" exceeded its progress deadline'],
    [
      'deployment-deleting',
      H.Progressing,
      'Pending deletion; blocked by finalizers: foregroundDeletion',
    ],
  ],
  StatefulSet: [
    [
      'statefulset-healthy',
      H.Healthy,
      'partitioned roll out complete: 3 new pods have been updated...',
    ],
    ['statefulset-ondelete', H.Healthy, 'statefulset has 1 ready pods'],
    ['statefulset-progressing', H.Progressing, 'Waiting for 2 pods to be ready...'],
    [
      'statefulset-unobserved',
      H.Progressing,
      'Waiting for statefulset spec update to be observed...',
    ],
    [
      'statefulset-partitioned',
      H.Progressing,
      'Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...',
    ],
    [
      'statefulset-rolling',
      H.Progressing,
      'waiting for statefulset rolling update to complete 1 pods at revision web-2...',
    ],
    [
      'statefulset-rolled',
      H.Healthy,
      'statefulset rolling update complete 3 pods at revision web-2...',
    ],
  ],
  DaemonSet: [
    ['daemonset-healthy', H.Healthy],
    ['daemonset-ondelete', H.Healthy, 'daemon set 0 out of 1 new pods have been updated'],
    [
      'daemonset-progressing',
      H.Progressing,
      'Waiting for daemon set "fluentd" rollout to finish: 1 out of 3 new pods have been updated...',
    ],
    [
      'daemonset-unavailable',
      H.Progressing,
      'Waiting for daemon set "fluentd" rollout to finish: 2 of 3 updated pods are available...',
    ],
    [
      'daemonset-unobserved',
      H.Progressing,
      'Waiting for rollout to finish: observed daemon set generation less than desired generation',
    ],
  ],
  ReplicaSet: [
    ['replicaset-healthy', H.Healthy],
    [
      'replicaset-progressing',
      H.Progressing,
      'Waiting for rollout to finish: 1 out of 3 new replicas are available...',
    ],
    [
      'replicaset-degraded',
      H.Degraded,
      'pods "guestbook-ui-75dd4d49d5-" is forbidden: exceeded quota: compute-resources',
    ],
    [
      'replicaset-unobserved',
      H.Progressing,
      'Waiting for rollout to finish: observed replica set generation less than desired generation',
    ],
  ],
  Pod: [
    ['pod-pending', H.Progressing],
    ['pod-running-ready', H.Healthy],
    ['pod-running-not-ready', H.Progressing],
    [
      'pod-crashloop',
      H.Degraded,
      'Back-off 40s restarting failed container=main pod=my-pod_argocd(63674389-f613-11e8-a057-fe5f49266390)',
    ],
    [
      'pod-imagepullbackoff',
      H.Degraded,
      'Back-off pulling image "gcr.io/heptio-images/ks-guestbook-demo:0.3"',
    ],
    ['pod-error', H.Degraded],
    ['pod-running-restart-never', H.Progressing],
    ['pod-running-restart-onfailure', H.Progressing],
    ['pod-never-imagepullbackoff', H.Progressing],
    ['pod-failed', H.Degraded, 'container "main" failed with exit code 1'],
    ['pod-failed-message', H.Degraded, 'The node was low on resource: memory.'],
    ['pod-oomkilled', H.Degraded, 'OOMKilled'],
    ['pod-succeeded', H.Healthy],
    ['pod-unknown', H.Unknown, 'the node stopped reporting'],
    ['pod-deletion', H.Progressing, 'Pending deletion'],
    ['pod-hook-deletion', H.Healthy],
  ],
  Job: [
    ['job-running', H.Progressing],
    ['job-failed', H.Degraded, 'Job has reached the specified backoff limit'],
    ['job-succeeded', H.Healthy],
    ['job-suspended', H.Suspended],
    ['job-resumed', H.Healthy, 'Job resumed'],
  ],
  CronJob: [
    ['cronjob-healthy', H.Healthy, 'CronJob has completed its last execution successfully'],
    ['cronjob-never-scheduled', H.Healthy, 'CronJob has not been scheduled yet'],
    ['cronjob-degraded', H.Degraded, 'CronJob has not completed its last execution successfully'],
    [
      'cronjob-never-succeeded',
      H.Healthy,
      'The Cronjob never completed succesfully. It may not be healthy',
    ],
    [
      'cronjob-active',
      H.Healthy,
      'The job is running. Its last execution may not have been successful',
    ],
    ['cronjob-suspended', H.Suspended, 'CronJob is Suspended'],
    ['cronjob-no-status', H.Progressing, 'Waiting for CronJob'],
  ],
  PersistentVolumeClaim: [
    ['pvc-bound', H.Healthy],
    ['pvc-pending', H.Progressing],
    ['pvc-lost', H.Degraded],
    ['pvc-no-status', H.Unknown],
  ],
  Service: [
    ['svc-clusterip', H.Healthy],
    ['svc-loadbalancer', H.Healthy],
    ['svc-loadbalancer-unassigned', H.Progressing],
    ['svc-loadbalancer-nonemptylist', H.Healthy],
  ],
  Ingress: [
    ['ingress-healthy', H.Healthy],
    ['ingress-unassigned', H.Progressing],
    ['ingress-extensions', H.Healthy],
  ],
  HorizontalPodAutoscaler: [
    ['hpa-v2-healthy', H.Healthy, 'recommended size matches current size'],
    [
      'hpa-v2-degraded',
      H.Degraded,
      `the HPA controller was unable to get the target's current scale: deployments/scale.apps "sandbox-test-app-8" not found`,
    ],
    [
      'hpa-v2-degraded-partially',
      H.Degraded,
      'the HPA was unable to compute the replica count: failed to get cpu utilization',
    ],
    ['hpa-v2-progressing', H.Progressing, 'Waiting to Autoscale'],
    ['hpa-v2beta2-healthy', H.Healthy, 'recommended size matches current size'],
    [
      'hpa-v1-healthy',
      H.Healthy,
      'recent recommendations were higher than current one, applying the highest recent recommendation',
    ],
    [
      'hpa-v1-degraded',
      H.Degraded,
      `the HPA controller was unable to get the target's current scale`,
    ],
    ['hpa-v1-progressing', H.Progressing, 'Waiting to Autoscale'],
    ['hpa-v1-progressing-with-no-annotations', H.Progressing, 'Waiting to Autoscale'],
  ],
  APIService: [
    ['apiservice-v1-true', H.Healthy, 'Passed: all checks passed'],
    [
      'apiservice-v1-false',
      H.Progressing,
      'MissingEndpoints: endpoints for service/cert-manager-webhook in "external-dns" have no addresses',
    ],
    ['apiservice-v1beta1-true', H.Healthy, 'Passed: all checks passed'],
    ['apiservice-no-status', H.Progressing, 'Waiting to be processed'],
  ],
  CustomResourceDefinition: [
    ['crd-healthy', H.Healthy, 'CRD is healthy'],
    [
      'crd-names-not-accepted',
      H.Degraded,
      'CRD names have not been accepted: the initial names have not been accepted',
    ],
    [
      'crd-non-structural',
      H.Degraded,
      'Schema violations found: spec.preserveUnknownFields: Invalid value: true: must be false',
    ],
    ['crd-not-established', H.Degraded, 'CRD is not established'],
    ['crd-terminating-condition', H.Progressing, 'CRD is terminating: user has deleted the CRD'],
    ['crd-no-conditions', H.Progressing, 'Status conditions not found'],
    [
      'crd-terminating-timestamp',
      H.Progressing,
      'Pending deletion; blocked by finalizers: customresourcecleanup.apiextensions.k8s.io',
    ],
  ],
  Namespace: [
    ['namespace-active', H.Healthy],
    [
      'namespace-terminating',
      H.Progressing,
      'Some resources are remaining: pods. has 1 resource instances',
    ],
  ],
  Workflow: [
    ['workflow-running', H.Progressing, 'This node is running'],
    ['workflow-succeeded', H.Healthy],
    ['workflow-failed', H.Degraded, `child 'hello-world-123' failed`],
    ['workflow-no-status', H.Progressing],
  ],
  Certificate: [
    ['certificate-ready', H.Healthy, 'Certificate is up to date and has not expired'],
    ['certificate-issuing', H.Progressing, 'Issuing certificate as Secret does not exist'],
    [
      'certificate-failed',
      H.Degraded,
      'The certificate request has failed to complete and will be retried',
    ],
    ['certificate-new', H.Progressing, 'Waiting for the certificate to be issued'],
  ],
  Rollout: [
    ['rollout-healthy', H.Healthy],
    ['rollout-paused', H.Suspended, 'CanaryPauseStep'],
    ['rollout-aborted', H.Degraded, 'RolloutAborted: Rollout aborted update to revision 3'],
    [
      'rollout-invalid',
      H.Degraded,
      'The Rollout "rollout-invalid" is invalid: spec.strategy: Required value',
    ],
    ['rollout-deadline', H.Degraded, 'ReplicaSet "shop-7d9c" has timed out progressing.'],
    ['rollout-unobserved', H.Progressing, 'Waiting for the rollout spec update to be observed'],
    [
      'rollout-workload-unobserved',
      H.Progressing,
      'Waiting for the rollout spec update to be observed',
    ],
    [
      'rollout-legacy-updating',
      H.Progressing,
      'Waiting for rollout to finish: 1 of 3 replicas updated',
    ],
    [
      'rollout-legacy-terminating',
      H.Progressing,
      'Waiting for rollout to finish: 1 old replicas pending termination',
    ],
    ['rollout-legacy-healthy', H.Healthy],
    ['rollout-legacy-paused', H.Suspended, 'Rollout is paused'],
  ],
  SealedSecret: [
    ['sealedsecret-synced', H.Healthy, 'unsealed into Secret shop/db'],
    ['sealedsecret-failed', H.Degraded, 'no key could decrypt secret (password)'],
    ['sealedsecret-unobserved', H.Progressing, 'Waiting for the controller to unseal the new spec'],
    ['sealedsecret-new', H.Progressing, 'Waiting for the controller to unseal the secret'],
  ],
  ExternalSecret: [
    ['externalsecret-ready', H.Healthy, 'secret synced'],
    [
      'externalsecret-error',
      H.Degraded,
      'SecretSyncedError: could not get secret data from provider',
    ],
    ['externalsecret-new', H.Progressing, 'Waiting for the secret to be synced from the provider'],
  ],
  ScaledObject: [
    ['scaledobject-ready', H.Healthy, 'ScaledObject is defined correctly and is ready for scaling'],
    [
      'scaledobject-failed',
      H.Degraded,
      "ScaledObject doesn't have correct scaleTargetRef specification",
    ],
    ['scaledobject-paused', H.Suspended, 'ScaledObject is paused'],
    [
      'scaledobject-fallback',
      H.Degraded,
      'The queue metric fails, so 4 fallback replicas are kept',
    ],
    ['scaledobject-new', H.Progressing, 'Waiting for KEDA to set up the scaler'],
  ],
  'Crossplane claim': [
    ['claim-ready', H.Healthy],
    ['claim-creating', H.Progressing, 'Unready resources: instance'],
    ['claim-unsynced', H.Degraded, 'cannot compose resources: no composition matches the selector'],
    ['claim-new', H.Progressing, 'Waiting for the claim to be reconciled'],
  ],
};

function expected(status: H, message?: string): HealthResult {
  return message ? { status, message } : { status };
}

for (const [kind, rows] of Object.entries(TABLE)) {
  describe(`${kind} health`, () => {
    for (const [name, status, message] of rows) {
      it(`${name} is ${status}`, () => {
        expect(assessBuiltinHealth(fixture(name))).toEqual(expected(status, message));
      });
    }
  });
}

describe('built-in registry', () => {
  it('recognises a Crossplane claim by its shape, not by a cluster-scoped composite or a plain object', () => {
    const claim = fixture('claim-ready');
    expect(assessBuiltinHealth(claim)?.status).toBe(H.Healthy);
    const { namespace: _ns, ...clusterScoped } = claim['metadata'] as Record<string, unknown>;
    expect(assessBuiltinHealth({ ...claim, metadata: clusterScoped })).toBe(undefined);
    expect(assessBuiltinHealth({ ...claim, spec: { parameters: {} } })).toBe(undefined);
  });

  it('has no check for kinds Argo CD does not check, so app health skips them', () => {
    expect(
      assessBuiltinHealth({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }),
    ).toBe(undefined);
    expect(
      assessBuiltinHealth({ apiVersion: 'extensions/v1beta1', kind: 'Deployment', metadata: {} }),
    ).toBe(undefined);
  });

  it('says Unknown, with the reason, for an HPA whose conditions annotation is not JSON', () => {
    const result = assessBuiltinHealth(fixture('hpa-v1-bad-annotation'));
    expect(result?.status).toBe(H.Unknown);
    expect(result?.message).toMatch(/^failed to convert conditions annotation to typed: /);
  });

  it('says Unknown for an HPA version it does not know', () => {
    const obj = { apiVersion: 'autoscaling/v3', kind: 'HorizontalPodAutoscaler', metadata: {} };
    expect(assessBuiltinHealth(obj)).toEqual({
      status: H.Unknown,
      message: 'unsupported HPA GVK: autoscaling/v3, Kind=HorizontalPodAutoscaler',
    });
  });

  it('never throws on malformed objects: every field has the wrong type', () => {
    const junk = { metadata: 7, spec: 'x', status: [1, 2] };
    for (const [group, kinds] of [
      ['apps', ['Deployment', 'StatefulSet', 'ReplicaSet', 'DaemonSet']],
      ['', ['Pod', 'Service', 'PersistentVolumeClaim', 'Namespace']],
      ['batch', ['Job', 'CronJob']],
      ['autoscaling', ['HorizontalPodAutoscaler']],
      ['apiextensions.k8s.io', ['CustomResourceDefinition']],
      ['cert-manager.io', ['Certificate']],
      ['argoproj.io', ['Rollout']],
      ['bitnami.com', ['SealedSecret']],
      ['external-secrets.io', ['ExternalSecret']],
      ['keda.sh', ['ScaledObject']],
    ] as const) {
      for (const kind of kinds) {
        const apiVersion = group ? `${group}/v1` : 'v1';
        const result = assessBuiltinHealth({ apiVersion, kind, ...junk });
        expect(result, `${apiVersion} ${kind}`).toBeDefined();
      }
    }
  });

  it('reports a CRD with a deletionTimestamp as terminating when its check runs on its own', () => {
    expect(crdHealth(fixture('crd-terminating-timestamp'))).toEqual({
      status: H.Progressing,
      message: 'CRD is terminating',
    });
  });
});
