import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  Discovery,
  UnknownKindError,
  applyObject,
  deleteObject,
  rawRequest,
} from '@flotilla/kube';
import { startEnv, waitFor, type TestEnv } from '@flotilla/testing';

describe('raw server-side apply and delete', () => {
  let env: TestEnv;
  let ns: string;
  let discovery: Discovery;
  beforeAll(async () => {
    env = await startEnv({ kube: true });
    ns = await env.kube.namespace();
    discovery = new Discovery(env.kube.kc);
  });
  afterAll(async () => {
    await env[Symbol.asyncDispose]();
  });

  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
      },
    },
  };

  it('a dry run returns the defaulted object and stores nothing', async () => {
    const predicted = (await applyObject(env.kube.kc, discovery, deployment, {
      fieldManager: 'flotilla',
      dryRun: true,
      defaultNamespace: ns,
    })) as any;
    expect(predicted.metadata.namespace).toBe(ns);
    expect(predicted.spec.revisionHistoryLimit).toBe(10);
    expect(predicted.spec.strategy.type).toBe('RollingUpdate');
    const err = await rawRequest(env.kube.kc, {
      method: 'GET',
      path: `/apis/apps/v1/namespaces/${ns}/deployments/web`,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(404);
  });

  it('applies with the field manager, then deletes', async () => {
    const live = (await applyObject(env.kube.kc, discovery, deployment, {
      fieldManager: 'flotilla',
      defaultNamespace: ns,
    })) as any;
    expect(live.metadata.managedFields.map((f: any) => f.manager)).toContain('flotilla');
    expect(
      await deleteObject(env.kube.kc, discovery, {
        group: 'apps',
        kind: 'Deployment',
        namespace: ns,
        name: 'web',
      }),
    ).toBe(true);
    // Foreground deletion: the object stays until the garbage collector is done with it.
    await waitFor(
      'the Deployment gone',
      () =>
        rawRequest(env.kube.kc, {
          method: 'GET',
          path: `/apis/apps/v1/namespaces/${ns}/deployments/web`,
        }).then(
          () => false,
          (err: unknown) => err instanceof ApiError && err.status === 404,
        ),
      { timeoutMs: 60_000 },
    );
    expect(
      await deleteObject(env.kube.kc, discovery, {
        group: 'apps',
        kind: 'Deployment',
        namespace: ns,
        name: 'web',
      }),
    ).toBe(false);
  });

  it('names a kind the cluster does not serve', async () => {
    const err = await applyObject(
      env.kube.kc,
      discovery,
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        metadata: { name: 'r', namespace: ns },
      },
      { fieldManager: 'flotilla', dryRun: true },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownKindError);
    expect((err as Error).message).toBe('the cluster does not serve argoproj.io/Rollout');
  });
});
