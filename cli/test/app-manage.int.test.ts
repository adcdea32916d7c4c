import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { API_VERSION, Finalizer, type Application, applicationPath } from '@flotilla/api';
import { ApiError, installCrds, rawRequest } from '@flotilla/kube';
import { startEnv, type TestEnv } from '@flotilla/testing';
import { flotilla } from './cli.js';

type Meta = { finalizers?: string[]; deletionTimestamp?: string; namespace?: string };

describe('flotilla app create, import and delete', () => {
  let env: TestEnv;
  let ns: string;
  let dest: string;
  const app = (...args: string[]) => withInput('', ...args);
  const withInput = (input: string, ...args: string[]) =>
    flotilla(['app', ...args, '--kubeconfig', env.kube.kubeconfigPath, '-n', ns], { input });
  const path = (name: string) => applicationPath(ns, name);
  const read = (name: string) =>
    rawRequest<Application>(env.kube.kc, { method: 'GET', path: path(name) }).catch(
      (err: unknown) => {
        if (err instanceof ApiError && err.status === 404) return undefined;
        throw err;
      },
    );
  const manifest = (name: string, pathInRepo = name) => ({
    apiVersion: API_VERSION,
    kind: 'Application',
    metadata: { name },
    spec: {
      project: 'default',
      source: {
        repoURL: 'https://git.example.com/apps.git',
        targetRevision: 'main',
        path: pathInRepo,
      },
      destination: { server: 'https://kubernetes.default.svc', namespace: dest },
    },
  });
  const file = async (name: string, text: string) => {
    const p = join(env.tmpDir, name);
    await writeFile(p, text);
    return p;
  };
  const yamlDocs = (...objs: unknown[]) => objs.map((o) => JSON.stringify(o)).join('\n---\n');

  beforeAll(async () => {
    env = await startEnv({ kube: true });
    await installCrds(env.kube.kc);
    ns = await env.kube.namespace('apps');
    dest = await env.kube.namespace('dest');
  });
  afterAll(async () => {
    // No applier runs here: release what the cascade finalizer still holds.
    for (const name of ['guestbook', 'helm-guestbook', 'keep', 'api'])
      await rawRequest(env.kube.kc, {
        method: 'PATCH',
        path: path(name),
        contentType: 'application/merge-patch+json',
        body: { metadata: { finalizers: null } },
      }).catch(() => undefined);
    await env[Symbol.asyncDispose]();
  });

  it('creates every document of a file, and leaves an unchanged one alone', async () => {
    const f = await file('apps.yaml', yamlDocs(manifest('guestbook'), manifest('api')));
    const r = await app('create', '-f', f);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`application ${ns}/guestbook created\napplication ${ns}/api created\n`);
    expect((await read('guestbook'))?.spec?.source?.path).toBe('guestbook');
    const again = await app('create', '-f', f);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`application ${ns}/guestbook unchanged`);
  });

  it('refuses to change an existing spec without --upsert, and replaces it with', async () => {
    const f = await file('changed.json', JSON.stringify(manifest('api', 'api-v2')));
    const refused = await app('create', '-f', f);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `application ${ns}/api exists with a different spec; use --upsert to replace it`,
    );
    expect((await read('api'))?.spec?.source?.path).toBe('api');
    const upserted = await withInput(
      JSON.stringify(manifest('api', 'api-v2')),
      'create',
      '-f',
      '-',
      '--upsert',
      '-o',
      'json',
    );
    expect(upserted.code).toBe(0);
    expect((JSON.parse(upserted.stdout) as Application).spec?.source?.path).toBe('api-v2');
    expect((await read('api'))?.spec?.source?.path).toBe('api-v2');
  });

  it('validates every document first and creates nothing when one is invalid', async () => {
    const bad = manifest('broken') as Record<string, any>;
    delete bad['spec']['destination'];
    bad['spec']['source']['targetRevisions'] = 'main';
    const f = await file('bad.yaml', yamlDocs(manifest('fine'), bad));
    const r = await app('create', '-f', f);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('invalid input, nothing was created');
    expect(r.stderr).toContain(`${f}: document 1 (Application broken):`);
    expect(r.stderr).toContain('spec.destination: is required');
    expect(r.stderr).toContain('spec.source.targetRevisions: is not a known field');
    expect(await read('fine')).toBeUndefined();

    const argo = await file(
      'argo.yaml',
      yamlDocs({ ...manifest('x'), apiVersion: 'argoproj.io/v1alpha1' }),
    );
    const refused = await app('create', '-f', argo);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('convert it with `flotilla app import`');

    const usage = await app('create');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("required option '-f, --file <file>' not specified");
  });

  const argoApp = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: helm-guestbook
  namespace: argocd
  finalizers:
    - resources-finalizer.argocd.argoproj.io
spec:
  project: default
  source:
    repoURL: https://github.com/argoproj/argocd-example-apps.git
    targetRevision: HEAD
    path: helm-guestbook
    directory:
      jsonnet:
        tlas: [{ name: a, value: b }]
  destination:
    server: https://kubernetes.default.svc
    namespace: DEST
  syncPolicy:
    automated: { prune: true, selfHeal: true }
`;

  it('imports Argo CD Applications, warning about dropped fields; --dry-run only prints', async () => {
    const f = await file('argo-app.yaml', argoApp.replace('DEST', dest));
    const dry = await app('import', '-f', f, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain(
      `warning: Application ${ns}/helm-guestbook: spec.source.directory.jsonnet: dropped, Jsonnet is not supported`,
    );
    const printed = parse(dry.stdout) as Application;
    expect(printed.apiVersion).toBe(API_VERSION);
    expect(printed.metadata).toMatchObject({
      name: 'helm-guestbook',
      namespace: ns,
      finalizers: [Finalizer.Resources],
    });
    expect(await read('helm-guestbook')).toBeUndefined();

    const r = await app('import', '-f', f);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`application ${ns}/helm-guestbook created\n`);
    expect(r.stderr).toContain('Jsonnet is not supported');
    const created = await read('helm-guestbook');
    expect(created?.spec?.syncPolicy?.automated).toMatchObject({ prune: true, selfHeal: true });
    expect((created?.metadata as Meta).finalizers).toEqual([Finalizer.Resources]);
  });

  it('deletes with cascade: the resources finalizer is set before the delete', async () => {
    const noConfirm = await app('delete', 'guestbook');
    expect(noConfirm.code).toBe(2);
    expect(noConfirm.stderr).toContain('not deleting without confirmation: pass --yes');
    expect(await read('guestbook')).toBeDefined();

    const badFlag = await app('delete', 'guestbook', '--cascade=maybe', '--yes');
    expect(badFlag.code).toBe(2);

    // No applier runs in this test, so the finalizer holds the Application: --wait gives up.
    const r = await app('delete', 'guestbook', '--yes', '--wait', '--timeout', '2');
    expect(r.stdout).toContain(
      `application ${ns}/guestbook deleted (its resources are being pruned)`,
    );
    expect(r.stderr).toContain(`application ${ns}/guestbook still exists after 2 s`);
    expect(r.code).toBe(1);
    const meta = (await read('guestbook'))?.metadata as Meta;
    expect(meta.deletionTimestamp).toBeDefined();
    expect(meta.finalizers).toEqual([Finalizer.Resources]);
  });

  it('deletes with --cascade=false: the finalizer goes, the resources stay', async () => {
    await env.kube.core.createNamespacedConfigMap({
      namespace: dest,
      body: {
        metadata: {
          name: 'keep-config',
          annotations: {
            'flotilla.dev/tracking-id': `${ns}_keep:/ConfigMap:${dest}/keep-config`,
          },
        },
        data: { a: '1' },
      },
    });
    const keep = manifest('keep') as Record<string, any>;
    keep['metadata']['finalizers'] = [Finalizer.Resources];
    expect((await app('create', '-f', await file('keep.yaml', JSON.stringify(keep)))).code).toBe(0);

    const r = await app('delete', 'keep', '--cascade=false', '--yes', '--wait');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`application ${ns}/keep deleted (its resources stay)\n`);
    expect(await read('keep')).toBeUndefined();
    const cm = await env.kube.core.readNamespacedConfigMap({
      namespace: dest,
      name: 'keep-config',
    });
    expect(cm.data).toEqual({ a: '1' });

    const missing = await app('delete', 'keep', '--yes');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`application ${ns}/keep not found`);
  });
});
