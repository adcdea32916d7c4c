import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, type Application } from '@flotilla/api';
import { installCrds, rawRequest, type KubernetesObject } from '@flotilla/kube';
import {
  startEnv,
  startRoles,
  tarGz,
  waitFor,
  type ArtifactEntry,
  type RunningRoles,
  type TestEnv,
} from '@flotilla/testing';
import { IN_CLUSTER, readApp } from './support/apps.js';
import { ALL_ROLES, testRoleEnv } from './support/roles.js';

// Argo CD 3.1's `type: oci`: manifests and a Kustomize tree pushed to a
// registry as a one-layer artifact (what `oras push` makes), an Application
// per path, at a constraint and at a moving tag. All five roles run; the
// git-poller watches the registry on its interval.
describe('apps from OCI artifacts: a Kustomize tree on 1.x, plain manifests on latest', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  let privateDest: string;
  let roles: RunningRoles | undefined;
  const wrong = 'not-the-password-789';
  const first = { ranged: '', moving: '', private: '' };

  const cm = (name: string, data: Record<string, string>) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${Object.entries(data)
      .map(([k, v]) => `  ${k}: "${v}"`)
      .join('\n')}\n`;
  const tree = (version: string): Record<string, ArtifactEntry> => ({
    './': { dir: true },
    './app/kustomization.yaml': 'resources:\n  - cm.yaml\nnamePrefix: kz-\n',
    './app/cm.yaml': cm('web', { version }),
    './plain/cm.yaml': cm('plain', { version }),
  });
  const push = async (repo: string, tag: string, entries: Record<string, ArtifactEntry>) =>
    (await env.registry.pushArtifact(repo, tag, await tarGz(entries))).digest;
  const app = (
    name: string,
    repo: string,
    targetRevision: string,
    path: string,
    namespace = dest,
  ): Application =>
    ({
      apiVersion: API_VERSION,
      kind: 'Application',
      metadata: { name, namespace: ns },
      spec: {
        project: 'default',
        source: { repoURL: `oci://${env.registry.host}/${repo}`, targetRevision, path },
        destination: { server: IN_CLUSTER, namespace },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    }) as Application;
  const data = async (name: string, namespace = dest) =>
    (
      await rawRequest<{ data: Record<string, string> }>(env.kube.kc, {
        method: 'GET',
        path: `/api/v1/namespaces/${namespace}/configmaps/${name}`,
      }).catch(() => undefined)
    )?.data;
  const status = async (name: string) => (await readApp(env.kube.kc, ns, name))?.status ?? {};
  const syncedAt = async (name: string, revision: string) => {
    const s = await status(name);
    return (
      s.sync?.status === 'Synced' &&
      (s.sync.revision === revision || s.sync.revisions?.[0] === revision) &&
      s.operationState?.phase === 'Succeeded'
    );
  };
  const comparisonError = async (name: string) =>
    (await status(name)).conditions?.find((c) => c.type === 'ComparisonError')?.message;
  const secret = (name: string, path: string, password: string) =>
    ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        namespace: ns,
        name,
        labels: { 'argocd.argoproj.io/secret-type': 'repository' },
      },
      stringData: {
        type: 'oci',
        url: `oci://${env.registry.host}/${path}`,
        username: env.registry.auth.username,
        password,
      },
    }) as KubernetesObject;
  const wait = { timeoutMs: 120_000, intervalMs: 500 };

  beforeAll(async () => {
    env = await startEnv({ nats: true, redis: true, kube: true, registry: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    dest = await env.kube.namespace('web');
    privateDest = await env.kube.namespace('private');
    first.ranged = await push('manifests/web', '1.0.0', tree('1.0.0'));
    first.moving = await push('manifests/web', 'latest', tree('latest-1'));
    first.private = await push('private/web', '1.0.0', tree('private'));
    // Argo CD's repository Secret for OCI artifacts, and the registry's CA.
    await env.kube.objects.create(secret('oci-manifests', 'manifests', env.registry.auth.password));
    await env.kube.objects.create(secret('oci-private', 'private', env.registry.auth.password));
    await env.kube.objects.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { namespace: ns, name: 'argocd-tls-certs-cm' },
      data: { '127.0.0.1': env.ca.caPem },
    } as KubernetesObject);
    roles = await startRoles(env, ns, ALL_ROLES, {
      ...testRoleEnv(env),
      FLOTILLA_CHART_MAX_ARCHIVE_MB: '0.5',
    });
    await env.kube.objects.create(app('ranged', 'manifests/web', '1.x', 'app'));
    await env.kube.objects.create(app('moving', 'manifests/web', 'latest', 'plain'));
    await env.kube.objects.create(app('private', 'private/web', '1.0.0', 'app', privateDest));
  }, 1_800_000);
  afterAll(async () => {
    await roles?.stop();
    await env?.[Symbol.asyncDispose]();
  });

  it('both sync from the artifact; status and history carry the manifest digest', async () => {
    await waitFor('ranged synced', () => syncedAt('ranged', first.ranged), wait);
    await waitFor('moving synced', () => syncedAt('moving', first.moving), wait);
    expect(await data('kz-web')).toEqual({ version: '1.0.0' });
    expect(await data('plain')).toEqual({ version: 'latest-1' });
    const last = (await status('ranged')).history?.at(-1);
    expect(last?.revision ?? last?.revisions?.[0]).toBe(first.ranged);
  });

  it('a pushed 1.1.0 re-renders the app on 1.x', async () => {
    const history = (await status('moving')).history?.length;
    const digest = await push('manifests/web', '1.1.0', tree('1.1.0'));
    await waitFor(
      'ranged upgraded',
      async () =>
        (await syncedAt('ranged', digest)) && (await data('kz-web'))?.['version'] === '1.1.0',
      wait,
    );
    // The app on latest did not move.
    expect((await status('moving')).history).toHaveLength(history!);
  });

  it('latest pushed again with new content re-renders the app on latest', async () => {
    const digest = await push('manifests/web', 'latest', tree('latest-2'));
    await waitFor(
      'moving followed the tag',
      async () =>
        (await syncedAt('moving', digest)) && (await data('plain'))?.['version'] === 'latest-2',
      wait,
    );
  });

  it('bad artifacts on latest are each a ComparisonError that prunes nothing', async () => {
    const bad: [string, Record<string, ArtifactEntry>, RegExp][] = [
      [
        'escape',
        { './plain/cm.yaml': cm('plain', { version: 'x' }), '../evil.yaml': 'x' },
        /PathEscape|leaves the artifact/,
      ],
      [
        'symlink',
        {
          './plain/cm.yaml': cm('plain', { version: 'x' }),
          './plain/out': { symlink: '../../etc' },
        },
        /out of the artifact/,
      ],
      [
        'too big',
        {
          './plain/cm.yaml': cm('plain', { version: 'x' }),
          './plain/big.txt': randomBytes(600_000).toString('base64'),
        },
        /over the limit/,
      ],
    ];
    for (const [what, entries, message] of bad) {
      await push('manifests/web', 'latest', entries);
      await waitFor(
        `${what}: ComparisonError`,
        async () => message.test((await comparisonError('moving')) ?? ''),
        wait,
      );
      expect(await data('plain')).toEqual({ version: 'latest-2' });
    }
    const fixed = await push('manifests/web', 'latest', tree('latest-3'));
    await waitFor(
      'fixed',
      async () =>
        (await syncedAt('moving', fixed)) &&
        (await comparisonError('moving')) === undefined &&
        (await data('plain'))?.['version'] === 'latest-3',
      wait,
    );
  });

  it('a tag that does not exist is a ComparisonError naming it', async () => {
    await env.kube.objects.create(app('missing', 'manifests/web', 'nope', 'plain'));
    await waitFor(
      'missing: ComparisonError',
      async () => /has no tag "nope"/.test((await comparisonError('missing')) ?? ''),
      wait,
    );
  });

  it('wrong credentials are a ComparisonError without the password, and nothing is pruned', async () => {
    await waitFor('private synced', () => syncedAt('private', first.private), wait);
    expect(await data('kz-web', privateDest)).toEqual({ version: 'private' });
    await env.kube.objects.replace(secret('oci-private', 'private', wrong));
    await waitFor(
      'private: ComparisonError',
      async () =>
        /credentials of the matching repository Secret were refused/.test(
          (await comparisonError('private')) ?? '',
        ),
      wait,
    );
    const s = await status('private');
    expect(JSON.stringify(s)).not.toContain(wrong);
    expect(s.resources?.length).toBeGreaterThan(0);
    expect(await data('kz-web', privateDest)).toEqual({ version: 'private' });
  });
});
