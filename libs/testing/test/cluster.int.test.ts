import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, serverSideApply } from '@flotilla/kube';
import { AppsV1Api, BatchV1Api, CoreV1Api, type V1Deployment } from '@kubernetes/client-node';
import { NODE_NAME, TEST_FAIL_ANNOTATION } from '@flotilla/devcluster';
import { startEnv, waitFor, type TestEnv } from '../src/index.js';

describe('the test control plane', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startEnv({ kube: true });
  });
  afterAll(async () => {
    await env[Symbol.asyncDispose]();
  });

  it('serves Kubernetes v1.34', async () => {
    const version = await env.kube.clientNode.makeApiClient(CoreV1Api).listNamespace();
    expect(version.items.length).toBeGreaterThan(0);
  });

  it('keeps its node Ready: the node Lease is renewed', async () => {
    const renewTime = async () =>
      (
        await rawRequest<{ spec?: { renewTime?: string } }>(env.kube.kc, {
          method: 'GET',
          path: `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE_NAME}`,
        }).catch(() => undefined)
      )?.spec?.renewTime;
    await waitFor('the node Lease', async () => (await renewTime()) !== undefined, {
      timeoutMs: 60_000,
    });
    const first = await renewTime();
    await waitFor('a renewal of the node Lease', async () => (await renewTime()) !== first, {
      timeoutMs: 60_000,
      intervalMs: 1_000,
    });
    const node = await rawRequest<{
      status?: { conditions?: { type: string; status: string }[] };
    }>(env.kube.kc, { method: 'GET', path: `/api/v1/nodes/${NODE_NAME}` });
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('makes a server-side-applied Deployment Available', async () => {
    const ns = await env.kube.namespace();
    const applied = await serverSideApply<V1Deployment>(env.kube.objects, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
        },
      },
    });
    expect(
      applied.metadata?.managedFields?.some(
        (f) => f.manager === 'flotilla' && f.operation === 'Apply',
      ),
    ).toBe(true);
    const apps = env.kube.clientNode.makeApiClient(AppsV1Api);
    await waitFor(
      'Deployment Available',
      async () => {
        const d = await apps.readNamespacedDeployment({ name: 'web', namespace: ns });
        return (
          d.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') ===
            true && d.status.availableReplicas === 2
        );
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  });

  const job = (ns: string, name: string, annotations: Record<string, string> = {}) => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: ns },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { annotations },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: 'busybox:1.36', command: ['true'] }],
        },
      },
    },
  });

  const jobCondition = async (ns: string, name: string): Promise<string | undefined> => {
    const batch = env.kube.clientNode.makeApiClient(BatchV1Api);
    const j = await batch.readNamespacedJob({ name, namespace: ns });
    return j.status?.conditions?.find(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    )?.type;
  };

  it('completes a Job', async () => {
    const ns = await env.kube.namespace();
    await serverSideApply(env.kube.objects, job(ns, 'migrate'));
    let result: string | undefined;
    await waitFor(
      'Job finished',
      async () => (result = await jobCondition(ns, 'migrate')) !== undefined,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(result).toBe('Complete');
  });

  it(`fails a Job whose pod carries ${TEST_FAIL_ANNOTATION}`, async () => {
    const ns = await env.kube.namespace();
    await serverSideApply(env.kube.objects, job(ns, 'broken', { [TEST_FAIL_ANNOTATION]: 'true' }));
    let result: string | undefined;
    await waitFor(
      'Job finished',
      async () => (result = await jobCondition(ns, 'broken')) !== undefined,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(result).toBe('Failed');
  });
});
