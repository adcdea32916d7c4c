import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  canonicalSet,
  isRenderError,
  Renderer,
  type Manifest,
  type RenderRequest,
} from '../src/index.js';
import { compatCopy, tempDir, writeTree } from './helpers.js';
import { annotations, names, realTools, reference } from './tools.js';

let tools: { helmPath: string; kubectlPath: string };
let renderer: Renderer;

beforeAll(async () => {
  tools = await realTools();
  renderer = new Renderer(tools);
});

const request = (
  repoDir: string,
  path: string,
  extra: Partial<RenderRequest['source']> = {},
): RenderRequest => ({
  appName: path,
  namespace: 'demo',
  repoDir,
  revision: '0d521c6e049889134f3122eb32d7ed342f43ca0d',
  source: { repoURL: 'https://github.com/argoproj/argocd-example-apps', path, ...extra },
});

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('argocd-example-apps render as helm template and kubectl kustomize do', () => {
  it('guestbook: a directory of plain manifests', async () => {
    const repo = await compatCopy();
    const result = await renderer.render(request(repo, 'guestbook'));
    const files = await readdir(join(repo, 'guestbook'));
    const objects: Manifest[] = [];
    for (const f of files) {
      for (const d of parseAllDocuments(await readFile(join(repo, 'guestbook', f), 'utf8'))) {
        objects.push(d.toJS() as Manifest);
      }
    }
    expect(result.sourceType).toBe('Directory');
    expect(names(result)).toEqual(['Service/guestbook-ui', 'Deployment/guestbook-ui']);
    expect(result.hash).toBe(canonicalSet(objects).set.hash);
  });

  it('helm-guestbook with values-production.yaml', async () => {
    const repo = await compatCopy();
    const result = await renderer.render(
      request(repo, 'helm-guestbook', { helm: { valueFiles: ['values-production.yaml'] } }),
    );
    const chart = join(repo, 'helm-guestbook');
    const expected = await reference(tools.helmPath, [
      'template',
      'helm-guestbook',
      chart,
      '--namespace',
      'demo',
      '--values',
      join(chart, 'values-production.yaml'),
      '--include-crds',
    ]);
    expect(result.sourceType).toBe('Helm');
    expect(result.objects).toEqual(expected.objects);
    expect(result.hash).toBe(expected.hash);
    // The production values took effect.
    const svc = result.objects.find((o) => o['kind'] === 'Service')!;
    expect((svc['spec'] as { type: string }).type).toBe('LoadBalancer');
  });

  it.each(['kustomize-guestbook', 'sock-shop'])('%s: a kustomization', async (app) => {
    const repo = await compatCopy();
    const result = await renderer.render(request(repo, app));
    const expected = await reference(tools.kubectlPath, ['kustomize', join(repo, app)]);
    expect(result.sourceType).toBe('Kustomize');
    expect(result.objects.length).toBeGreaterThan(1);
    expect(result.objects).toEqual(expected.objects);
    expect(result.hash).toBe(expected.hash);
  });

  it('pre-post-sync: Argo CD hooks keep their annotations, the base outside the app path is read', async () => {
    const repo = await compatCopy();
    const result = await renderer.render(request(repo, 'pre-post-sync'));
    expect(names(result).sort()).toEqual([
      'Deployment/pre-post-sync-kustomize-guestbook-ui',
      'Job/pre-post-sync-after',
      'Job/pre-post-sync-before',
      'Service/pre-post-sync-kustomize-guestbook-ui',
    ]);
    expect(annotations(result, 'Job', 'pre-post-sync-before')).toEqual({
      'argocd.argoproj.io/hook': 'PreSync',
      'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded',
    });
    expect(annotations(result, 'Job', 'pre-post-sync-after')['argocd.argoproj.io/hook']).toBe(
      'PostSync',
    );
    expect(result.warnings.some((w) => w.includes("'bases' is deprecated"))).toBe(true);
  });

  it('helm-hooks: Helm hook annotations are kept, and a generateName hook too', async () => {
    const repo = await compatCopy();
    const result = await renderer.render(request(repo, 'helm-hooks'));
    expect(result.objects).toHaveLength(5);
    expect(annotations(result, 'Job', 'maint-page-up')).toEqual({
      'helm.sh/hook': 'pre-install',
      'helm.sh/hook-delete-policy': 'before-hook-creation',
      'helm.sh/hook-weight': '-1',
    });
    const generated = result.objects.find(
      (o) => (o['metadata'] as { generateName?: string }).generateName === 'upgrade-sql-schema',
    );
    expect(
      (generated!['metadata'] as { annotations: Record<string, string> }).annotations[
        'helm.sh/hook'
      ],
    ).toBe('pre-install');
  });

  it('apps: an app of apps becomes Flotilla Applications', async () => {
    const repo = await compatCopy();
    const result = await renderer.render(request(repo, 'apps'));
    const apps = result.objects.filter((o) => o['kind'] === 'Application');
    expect(apps).toHaveLength(result.objects.length);
    expect(apps.length).toBeGreaterThan(10);
    expect(new Set(apps.map((a) => a['apiVersion']))).toEqual(new Set(['flotilla.dev/v1alpha1']));
    expect(result.warnings.filter((w) => w.includes('plugin')).length).toBe(3);
  });

  it('helm-dependency: fails clearly, naming the dependency it cannot fetch offline', async () => {
    const repo = await compatCopy();
    const err = await rejection(renderer.render(request(repo, 'helm-dependency')));
    expect(isRenderError(err, 'DependencyMissing')).toBe(true);
    expect((err as { dependencies: string[] }).dependencies).toEqual(['wordpress']);
    expect((err as Error).message).toContain('wordpress 9.0.3 from https://charts.helm.sh/stable');
  });
});

describe('Helm charts', () => {
  const chart = {
    'chart/Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 0.1.0\n',
    'chart/values.yaml': 'a: chart\nb: chart\nc: chart\nd: chart\ne: chart\n',
    'chart/values-1.yaml': 'b: file1\nc: file1\nd: file1\ne: file1\n',
    'chart/values-2.yaml': 'c: file2\nd: file2\ne: file2\n',
    'chart/templates/cm.yaml': [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: {{ .Release.Name }}-values',
      '  namespace: {{ .Release.Namespace }}',
      'data:',
      '{{- range $k, $v := .Values }}',
      '  {{ $k }}: {{ $v | toString | quote }}',
      '{{- end }}',
      '',
    ].join('\n'),
    'chart/templates/hooks.yaml': [
      'apiVersion: batch/v1',
      'kind: Job',
      'metadata:',
      '  name: migrate',
      '  annotations:',
      '    helm.sh/hook: pre-install,pre-upgrade',
      '    helm.sh/hook-weight: "-5"',
      'spec: {}',
      '---',
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: smoke-test',
      '  annotations:',
      '    helm.sh/hook: test',
      'spec: {}',
      '',
    ].join('\n'),
    'chart/crds/crd.yaml': [
      'apiVersion: apiextensions.k8s.io/v1',
      'kind: CustomResourceDefinition',
      'metadata:',
      '  name: widgets.example.com',
      'spec: {group: example.com, names: {kind: Widget, plural: widgets}, scope: Namespaced, versions: []}',
      '',
    ].join('\n'),
  };

  const data = (set: { objects: readonly Manifest[] }) =>
    set.objects.find((o) => o['kind'] === 'ConfigMap')!['data'] as Record<string, string>;

  it('applies values with Argo CD precedence: parameters > valuesObject > values > value files > chart', async () => {
    const repo = await tempDir();
    await writeTree(repo, chart);
    const src = (helm: object) => ({
      repoURL: 'https://git.example.com/r.git',
      path: 'chart',
      helm,
    });
    const render = (helm: object) =>
      renderer.render({
        appName: 'demo',
        namespace: 'ns1',
        repoDir: repo,
        revision: 'r1',
        source: src(helm),
      });
    const full = await render({
      valueFiles: ['values-1.yaml', 'values-2.yaml'],
      values: 'd: values\ne: values\n',
      parameters: [{ name: 'e', value: 'param' }],
    });
    expect(data(full)).toEqual({ a: 'chart', b: 'file1', c: 'file2', d: 'values', e: 'param' });
    const object = await render({
      valueFiles: ['values-1.yaml'],
      valuesObject: { d: 'object', e: 'object' },
      parameters: [{ name: 'e', value: '0123', forceString: true }],
    });
    expect(data(object)).toEqual({ a: 'chart', b: 'file1', c: 'file1', d: 'object', e: '0123' });
  });

  it('names the release after the app unless releaseName is set, and renders for the destination namespace', async () => {
    const repo = await tempDir();
    await writeTree(repo, chart);
    const base = { appName: 'guestbook', namespace: 'prod', repoDir: repo, revision: 'r1' };
    const byApp = await renderer.render({ ...base, source: { repoURL: 'x', path: 'chart' } });
    const cm = byApp.objects.find((o) => o['kind'] === 'ConfigMap')!;
    expect(cm['metadata']).toEqual({ name: 'guestbook-values', namespace: 'prod' });
    const named = await renderer.render({
      ...base,
      source: { repoURL: 'x', path: 'chart', helm: { releaseName: 'rel', namespace: 'other' } },
    });
    expect(named.objects.find((o) => o['kind'] === 'ConfigMap')!['metadata']).toEqual({
      name: 'rel-values',
      namespace: 'other',
    });
  });

  it('keeps hooks and test hooks with their annotations; includes CRDs unless skipCrds; drops tests with skipTests', async () => {
    const repo = await tempDir();
    await writeTree(repo, chart);
    const base = { appName: 'demo', repoDir: repo, revision: 'r1' };
    const all = await renderer.render({ ...base, source: { repoURL: 'x', path: 'chart' } });
    expect(names(all).sort()).toEqual([
      'ConfigMap/demo-values',
      'CustomResourceDefinition/widgets.example.com',
      'Job/migrate',
      'Pod/smoke-test',
    ]);
    expect(annotations(all, 'Job', 'migrate')).toEqual({
      'helm.sh/hook': 'pre-install,pre-upgrade',
      'helm.sh/hook-weight': '-5',
    });
    expect(annotations(all, 'Pod', 'smoke-test')).toEqual({ 'helm.sh/hook': 'test' });
    const lean = await renderer.render({
      ...base,
      source: { repoURL: 'x', path: 'chart', helm: { skipCrds: true, skipTests: true } },
    });
    expect(names(lean).sort()).toEqual(['ConfigMap/demo-values', 'Job/migrate']);
  });

  it('reads $ref value files from the ref source and skips missing ones when asked', async () => {
    const repo = await tempDir();
    const values = await tempDir();
    await writeTree(repo, chart);
    await writeTree(values, { 'envs/prod.yaml': 'a: from-ref\n' });
    const result = await renderer.render({
      appName: 'demo',
      repoDir: repo,
      revision: 'r1',
      refSources: { values },
      source: {
        repoURL: 'x',
        path: 'chart',
        helm: {
          valueFiles: ['$values/envs/prod.yaml', 'nope.yaml'],
          ignoreMissingValueFiles: true,
        },
      },
    });
    expect(data(result).a).toBe('from-ref');
    expect(result.warnings).toContain('value file "nope.yaml" does not exist; skipped');
  });

  it('substitutes Argo CD build variables in parameters', async () => {
    const repo = await tempDir();
    await writeTree(repo, chart);
    const result = await renderer.render({
      appName: 'demo',
      repoDir: repo,
      revision: 'abcdef0123456789',
      source: {
        repoURL: 'x',
        path: 'chart',
        helm: { parameters: [{ name: 'a', value: '$ARGOCD_APP_NAME-$ARGOCD_APP_REVISION_SHORT' }] },
      },
    });
    expect(data(result).a).toBe('demo-abcdef0');
  });
});

describe('tool versions, for cache keys', () => {
  it('are read from the tools themselves', async () => {
    expect(await renderer.toolVersion('helm')).toMatch(/^v4\./);
    expect(await renderer.toolVersion('kubectl')).toMatch(/^v1\.\d+\.\d+\+kustomize-v5\./);
  });
});

describe('Kustomize options', () => {
  it('are applied to a copy of the checkout, as Argo CD edits its kustomization', async () => {
    const repo = await compatCopy();
    const before = await readFile(join(repo, 'kustomize-guestbook/kustomization.yaml'), 'utf8');
    const result = await renderer.render(
      request(repo, 'kustomize-guestbook', {
        kustomize: {
          namePrefix: 'team-',
          nameSuffix: '-v2',
          namespace: 'guests',
          images: ['gcr.io/google-samples/gb-frontend=registry.example.com/guestbook:1.2.3'],
          commonLabels: { team: 'blue' },
          commonAnnotations: { owner: 'blue@example.com' },
          replicas: [{ name: 'guestbook-ui', count: 3 }],
        },
      }),
    );
    expect(names(result).sort()).toEqual([
      'Deployment/team-guestbook-ui-v2',
      'Service/team-guestbook-ui-v2',
    ]);
    const deploy = result.objects.find((o) => o['kind'] === 'Deployment')!;
    expect(deploy['metadata']).toEqual({
      annotations: { owner: 'blue@example.com' },
      labels: { team: 'blue' },
      name: 'team-guestbook-ui-v2',
      namespace: 'guests',
    });
    const spec = deploy['spec'] as {
      replicas: number;
      template: { spec: { containers: { image: string }[] } };
    };
    expect(spec.replicas).toBe(3);
    expect(spec.template.spec.containers[0]!.image).toBe('registry.example.com/guestbook:1.2.3');
    // The checkout itself was not touched.
    expect(await readFile(join(repo, 'kustomize-guestbook/kustomization.yaml'), 'utf8')).toBe(
      before,
    );
  });

  it('copy what the kustomization reaches, or the whole tree when a symlink may lead elsewhere', async () => {
    const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\n`;
    const repo = await writeTree(await tempDir(), {
      'shared/base/kustomization.yaml': 'resources: [cm.yaml]\n',
      'shared/base/cm.yaml': cm('base'),
      'plain/base/kustomization.yaml': 'resources: [cm.yaml]\n',
      'plain/base/cm.yaml': cm('plain'),
      linked: { symlink: 'plain/base' },
      'envs/prod/kustomization.yaml': 'resources: [../../shared/base]\n',
      'envs/linked/kustomization.yaml': 'resources: [../../linked, ../../shared/base]\n',
      'unrelated/cm.yaml': cm('unrelated'),
    });
    const prod = await renderer.render(
      request(repo, 'envs/prod', { kustomize: { namePrefix: 'prod-' } }),
    );
    expect(names(prod)).toEqual(['ConfigMap/prod-base']);
    // A base reached through a symlink: copied with the whole tree, so the link still resolves.
    const linked = await renderer.render(
      request(repo, 'envs/linked', { kustomize: { nameSuffix: '-x' } }),
    );
    expect(names(linked).sort()).toEqual(['ConfigMap/base-x', 'ConfigMap/plain-x']);
  });

  it('works on a read-only checkout', async () => {
    const { COMPAT } = await import('./helpers.js');
    const result = await renderer.render(
      request(COMPAT, 'kustomize-guestbook', { kustomize: { namePrefix: 'ro-' } }),
    );
    expect(names(result).sort()).toEqual(['Deployment/ro-guestbook-ui', 'Service/ro-guestbook-ui']);
  });
});
