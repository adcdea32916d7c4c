// The watched store of repository Secrets and trusted certificates the
// git-poller, the renderer and the appset role share: Secrets created, edited
// and deleted count without a restart, and only repository Secrets are read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RepoAccessStore, rawRequest, type RepoAccessChange, type V1Secret } from '@flotilla/kube';
import { startEnv, waitFor, type TestEnv } from '@flotilla/testing';

interface Cred {
  readonly name: string;
  readonly url: string;
  readonly password: string;
}

const field = (s: V1Secret, k: string) =>
  s.stringData?.[k] ??
  (s.data?.[k] === undefined ? undefined : Buffer.from(s.data[k], 'base64').toString('utf8'));
const parse = (s: V1Secret): Cred | undefined => {
  const url = field(s, 'url');
  return url
    ? { name: s.metadata?.name ?? '', url, password: field(s, 'password') ?? '' }
    : undefined;
};

describe('RepoAccessStore', () => {
  let env: TestEnv;
  let ns: string;
  let store: RepoAccessStore<Cred>;
  let replica: RepoAccessStore<Cred>;
  const changes: RepoAccessChange<Cred>[] = [];
  const replicaChanges: RepoAccessChange<Cred>[] = [];
  const secret = (name: string, labels: Record<string, string>, data: Record<string, string>) =>
    env.kube.core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name, labels }, stringData: data },
    });
  const urls = () => store.credentials().map((c) => c.url);
  const patchSecret = (name: string, body: unknown) =>
    rawRequest(env.kube.kc, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/secrets/${name}`,
      contentType: 'application/merge-patch+json',
      body,
    });
  const until = (what: string, check: () => boolean) =>
    waitFor(what, check, { timeoutMs: 30_000, intervalMs: 20 });

  beforeAll(async () => {
    env = await startEnv({ kube: true });
    ns = await env.kube.namespace('repo-access');
    // One Secret exists before the store starts: the first listing has it.
    await secret(
      'before',
      { 'argocd.argoproj.io/secret-type': 'repository' },
      { url: 'https://git.example.com/before.git', password: 'p0' },
    );
    const options = { kc: env.kube.kc, namespace: ns, parse, certificates: true };
    store = await RepoAccessStore.start(options);
    replica = await RepoAccessStore.start(options);
    store.onChange((c) => changes.push(c));
    replica.onChange((c) => replicaChanges.push(c));
  });
  afterAll(async () => {
    await store?.stop();
    await replica?.stop();
    await env?.[Symbol.asyncDispose]();
  });

  it('holds the repository Secrets listed at start', () => {
    expect(urls()).toEqual(['https://git.example.com/before.git']);
  });

  it('sees new Secrets of both labels, once each, and ignores other Secrets', async () => {
    await secret(
      'creds',
      { 'flotilla.dev/secret-type': 'repo-creds' },
      { url: 'https://git.example.com/org', password: 'p1' },
    );
    await secret(
      'both',
      { 'flotilla.dev/secret-type': 'repository', 'argocd.argoproj.io/secret-type': 'repository' },
      { url: 'https://git.example.com/both.git', password: 'p2' },
    );
    await secret(
      'cluster',
      { 'argocd.argoproj.io/secret-type': 'cluster' },
      { url: 'https://not-a-repo', password: 'x' },
    );
    await secret('plain', {}, { url: 'https://not-a-repo-either', password: 'y' });
    await until('both new Secrets in the store', () => urls().length === 3);
    expect(urls()).toEqual([
      'https://git.example.com/before.git',
      'https://git.example.com/both.git',
      'https://git.example.com/org',
    ]);
    expect(changes.flatMap((c) => c.added.map((a) => a.name)).sort()).toEqual(['both', 'creds']);
  });

  it('reports an edited password as one credential removed and one added, the same in every replica', async () => {
    changes.length = 0;
    replicaChanges.length = 0;
    await patchSecret('creds', { stringData: { password: 'rotated' } });
    await until('the rotated password in both stores', () =>
      [store, replica].every((s) =>
        s.credentials().some((c) => c.name === 'creds' && c.password === 'rotated'),
      ),
    );
    const last = changes.at(-1)!;
    expect(last.added.map((c) => c.password)).toEqual(['rotated']);
    expect(last.removed.map((c) => c.password)).toEqual(['p1']);
    // Replicas name the same state alike: work a change starts is sent once.
    expect(replicaChanges.at(-1)!.version).toBe(last.version);
  });

  it('forgets a deleted Secret and one that loses its label', async () => {
    await env.kube.core.deleteNamespacedSecret({ namespace: ns, name: 'before' });
    await patchSecret('both', {
      metadata: {
        labels: { 'flotilla.dev/secret-type': null, 'argocd.argoproj.io/secret-type': null },
      },
    });
    await until('the two Secrets gone', () => urls().length === 1);
    expect(urls()).toEqual(['https://git.example.com/org']);
  });

  it('merges the trusted-certificate ConfigMaps, Flotilla’s over Argo CD’s, and follows edits', async () => {
    expect(store.trustedCerts()).toEqual({});
    await env.kube.core.createNamespacedConfigMap({
      namespace: ns,
      body: {
        metadata: { name: 'argocd-tls-certs-cm' },
        data: { 'a.example.com': 'CA-A', 'b.example.com': 'CA-B-argo' },
      },
    });
    await env.kube.core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'flotilla-tls-certs-cm' }, data: { 'b.example.com': 'CA-B' } },
    });
    await env.kube.core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'unrelated' }, data: { 'c.example.com': 'CA-C' } },
    });
    await until('both ConfigMaps read', () => store.trustedCerts()['b.example.com'] === 'CA-B');
    expect(store.trustedCerts()).toEqual({ 'a.example.com': 'CA-A', 'b.example.com': 'CA-B' });
    await env.kube.core.deleteNamespacedConfigMap({ namespace: ns, name: 'flotilla-tls-certs-cm' });
    await until(
      'the deleted ConfigMap gone',
      () => store.trustedCerts()['b.example.com'] === 'CA-B-argo',
    );
  });
});
