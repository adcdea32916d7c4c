import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverSideApply } from '@flotilla/kube';
import { startEnv, waitFor, type TestEnv } from '@flotilla/testing';
import {
  DIFFER_FIELD_MANAGER,
  allCrds,
  type CustomResourceDefinition,
  convertArgoManifest,
  differStatusPatch,
  statusApplyRequest,
  validateAppProject,
  validateApplication,
} from '@flotilla/api';
import { appProject, application, testdata } from '@flotilla/api/test-fixtures';
import { apiErrorMessage, installCrds, kubectl, sendApply } from './support/cluster.js';

describe('the Flotilla CRDs on a real apiserver', () => {
  let env: TestEnv;
  let ns: string;
  beforeAll(async () => {
    env = await startEnv({ kube: true });
    // Twice at once, as parallel suites do: installing must be idempotent.
    await Promise.all([
      installCrds(env.kube.kc, env.kube.objects),
      installCrds(env.kube.kc, env.kube.objects),
    ]);
    ns = await env.kube.namespace('api');
  });
  afterAll(async () => {
    await env[Symbol.asyncDispose]();
  });

  const apply = <T extends Record<string, any>>(obj: T) =>
    serverSideApply<T>(env.kube.objects, {
      ...obj,
      metadata: { ...obj['metadata'], namespace: ns },
    });

  it('serves exactly the generated schema', async () => {
    for (const crd of allCrds()) {
      // Raw JSON through kubectl: client-node's typed model renames x-kubernetes-* keys.
      const json = await kubectl(env.kube.kubeconfigPath, env.tmpDir, [
        'get',
        'crd',
        crd.metadata.name,
        '-o',
        'json',
      ]);
      const live = JSON.parse(json) as CustomResourceDefinition;
      const [version] = live.spec.versions;
      expect(version?.schema, crd.metadata.name).toEqual(crd.spec.versions[0]!.schema);
      expect(version?.additionalPrinterColumns).toEqual(
        crd.spec.versions[0]!.additionalPrinterColumns,
      );
      expect(live.spec.names).toEqual(crd.spec.names);
    }
  });

  it('stores every supported field of a rich Argo CD Application and AppProject unchanged', async () => {
    for (const file of ['argo-application.yaml', 'argo-appproject.yaml']) {
      const { object } = convertArgoManifest(testdata(file));
      const obj = structuredClone(object) as Record<string, any>;
      // No controller runs here to remove a finalizer, and the namespace must be deletable.
      delete obj['metadata']['finalizers'];
      const stored = await apply(obj);
      // The apiserver prunes fields its schema does not know: nothing may be missing.
      expect(stored['spec'], file).toEqual(obj['spec']);
      if (obj['operation']) expect(stored['operation']).toEqual(obj['operation']);
    }
  });

  const invalidApps: [string, Record<string, any>][] = [
    ['neither source nor sources', application({ source: undefined })],
    [
      'both source and sources',
      application({ sources: [{ repoURL: 'https://git.example.com/a.git' }] }),
    ],
    [
      'a destination with server and name',
      application({
        destination: { server: 'https://kubernetes.default.svc', name: 'in-cluster' },
      }),
    ],
    [
      'a source with helm and kustomize',
      application({ source: { repoURL: 'https://x', helm: {}, kustomize: {} } }),
    ],
    [
      'a backoff duration that is not a duration',
      application({ syncPolicy: { retry: { limit: 3, backoff: { duration: 'soon' } } } }),
    ],
  ];

  it.each(invalidApps)(
    'rejects an Application with %s, saying what validateApplication says',
    async (_, app) => {
      const [expected] = validateApplication(app).errors;
      expect(expected).toBeDefined();
      const err = await apply({ ...app, metadata: { name: 'invalid' } }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, 'the apiserver accepted it').toBeDefined();
      expect(apiErrorMessage(err)).toContain(expected!.message);
    },
  );

  it('rejects a retry limit that is not an integer', async () => {
    const app = application({ syncPolicy: { retry: { limit: 1.5 } } });
    const err = await apply({ ...app, metadata: { name: 'invalid' } }).catch((e: unknown) => e);
    expect(apiErrorMessage(err)).toMatch(/spec\.syncPolicy\.retry\.limit.*must be of type integer/);
  });

  it('rejects an AppProject sync window without targets, saying what validateAppProject says', async () => {
    const project = appProject({
      syncWindows: [{ kind: 'deny', schedule: '0 22 * * *', duration: '8h' }],
    });
    const [expected] = validateAppProject(project).errors;
    const err = await apply(project).catch((e: unknown) => e);
    expect(apiErrorMessage(err)).toContain(expected!.message);
  });

  it('shows Sync, Health, Revision and Age in kubectl get fapp', async () => {
    const app = await apply({ ...application(), metadata: { name: 'guestbook' } });
    const patch = differStatusPatch(app as never, {
      sync: { status: 'Synced', revision: '3f2a9c1' },
      health: { status: 'Healthy' },
    });
    await sendApply(env.kube.kc, statusApplyRequest(patch, DIFFER_FIELD_MANAGER));
    const out = await kubectl(env.kube.kubeconfigPath, env.tmpDir, ['get', 'fapp', '-n', ns]);
    const [header, row] = out.trim().split('\n');
    expect(header?.split(/\s+/)).toEqual(['NAME', 'SYNC', 'HEALTH', 'REVISION', 'AGE']);
    expect(row?.split(/\s+/).slice(0, 4)).toEqual(['guestbook', 'Synced', 'Healthy', '3f2a9c1']);
    const all = await kubectl(env.kube.kubeconfigPath, env.tmpDir, [
      'get',
      'flotilla',
      '-n',
      ns,
      '-o',
      'name',
    ]);
    expect(all).toContain('application.flotilla.dev/guestbook');
  });

  it('documents the fields in kubectl explain fapp.spec.syncPolicy', async () => {
    let out = '';
    // The apiserver publishes the OpenAPI of a new CRD a moment after it is Established.
    await waitFor(
      'kubectl explain to know fapp.spec.syncPolicy',
      async () => {
        out = await kubectl(env.kube.kubeconfigPath, env.tmpDir, [
          'explain',
          'fapp.spec.syncPolicy',
        ]).catch(() => '');
        return out.includes('managedNamespaceMetadata');
      },
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    expect(out).toContain('GROUP:      flotilla.dev');
    expect(out).toContain('When and how the app is synced.');
    for (const field of ['automated', 'syncOptions', 'retry', 'managedNamespaceMetadata']) {
      expect(out).toMatch(new RegExp(`^  ${field}\\s`, 'm'));
    }
    expect(out).toContain('CreateNamespace=true');
  });
});
