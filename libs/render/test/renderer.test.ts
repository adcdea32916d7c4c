import { describe, expect, it } from 'vitest';
import {
  Renderer,
  RenderError,
  isRenderError,
  memoryManifestCache,
  type CachedRender,
  type ManifestCache,
  type RenderRequest,
} from '../src/index.js';
import { configMap, tempDir, writeTree } from './helpers.js';

// Directory sources need no tool: these paths are never run.
const tools = { helmPath: '/nonexistent/helm', kubectlPath: '/nonexistent/kubectl' };

async function repo(): Promise<string> {
  const root = await tempDir();
  await writeTree(root, {
    'app/cm.yaml': configMap('cm', { a: '1' }, 'demo'),
    'app/apps.yaml': [
      'apiVersion: argoproj.io/v1alpha1',
      'kind: Application',
      'metadata: {name: child, namespace: argocd, finalizers: [resources-finalizer.argocd.argoproj.io]}',
      'spec:',
      '  project: default',
      '  destination: {server: https://kubernetes.default.svc, namespace: child}',
      '  source: {repoURL: https://git.example.com/apps.git, path: child, targetRevision: HEAD}',
      '',
    ].join('\n'),
  });
  return root;
}

const request = (repoDir: string, extra: Partial<RenderRequest> = {}): RenderRequest => ({
  appName: 'demo',
  namespace: 'demo',
  repoDir,
  revision: 'c0ffee'.padEnd(40, '0'),
  source: { repoURL: 'https://git.example.com/apps.git', path: 'app' },
  ...extra,
});

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

function recordingLogger() {
  const warnings: { obj: object; msg?: string }[] = [];
  return {
    warnings,
    logger: {
      warn: (obj: object, msg?: string) => void warnings.push({ obj, msg }),
      info: () => undefined,
      debug: () => undefined,
    },
  };
}

describe('the renderer', () => {
  it('renders a directory source into a canonical set and converts Argo CD Applications', async () => {
    const dir = await repo();
    const result = await new Renderer(tools).render(request(dir));
    expect(result.sourceType).toBe('Directory');
    expect(result.cached).toBe(false);
    expect(result.objects.map((o) => `${String(o['apiVersion'])} ${String(o['kind'])}`)).toEqual([
      'v1 ConfigMap',
      'flotilla.dev/v1alpha1 Application',
    ]);
    const app = result.objects[1]!;
    expect(app['metadata']).toEqual({
      finalizers: ['resources-finalizer.flotilla.dev'],
      name: 'child',
      namespace: 'flotilla',
    });
    expect(result.hash).toMatch(/^sha256:/);
  });

  it('serves the second render from the cache, and a hard refresh renders again', async () => {
    const dir = await repo();
    const cache = memoryManifestCache();
    const renderer = new Renderer({ ...tools, cache });
    const first = await renderer.render(request(dir));
    expect(cache.size).toBe(1);
    // Change the files without changing the commit: only a hard refresh sees it.
    await writeTree(dir, { 'app/cm.yaml': configMap('cm', { a: '2' }, 'demo') });
    const second = await renderer.render(request(dir));
    expect(second.cached).toBe(true);
    expect(second.hash).toBe(first.hash);
    const hard = await renderer.render(request(dir, { refresh: 'hard' }));
    expect(hard.cached).toBe(false);
    expect(hard.hash).not.toBe(first.hash);
    // The hard refresh wrote the new result back.
    expect((await renderer.render(request(dir))).hash).toBe(hard.hash);
  });

  it('leaves directory sources out of the cache when told to', async () => {
    const dir = await repo();
    const cache = memoryManifestCache();
    const renderer = new Renderer({ ...tools, cache, cacheDirectories: false });
    const first = await renderer.render(request(dir));
    expect(first.cached).toBe(false);
    expect(cache.size).toBe(0);
    await writeTree(dir, { 'app/cm.yaml': configMap('cm', { a: '2' }, 'demo') });
    const second = await renderer.render(request(dir));
    expect(second.cached).toBe(false);
    expect(second.hash).not.toBe(first.hash);
  });

  it('keys the cache by commit and app path', async () => {
    const dir = await repo();
    await writeTree(dir, { 'other/cm.yaml': configMap('other') });
    const cache = memoryManifestCache();
    const renderer = new Renderer({ ...tools, cache });
    await renderer.render(request(dir));
    expect((await renderer.render(request(dir, { revision: 'f'.repeat(40) }))).cached).toBe(false);
    const other = request(dir, {
      source: { repoURL: 'https://git.example.com/apps.git', path: 'other' },
    });
    expect((await renderer.render(other)).cached).toBe(false);
    expect(cache.size).toBe(3);
  });

  it('renders without the cache when the cache fails, and says so at warn', async () => {
    const dir = await repo();
    const broken: ManifestCache = {
      get: () => Promise.reject(new Error('connect ECONNREFUSED redis://u:pw@127.0.0.1:1')),
      set: (_k: string, _v: CachedRender) => Promise.reject(new Error('down')),
    };
    const { warnings, logger } = recordingLogger();
    const result = await new Renderer({ ...tools, cache: broken, logger }).render(request(dir));
    expect(result.objects).toHaveLength(2);
    expect(warnings.map((w) => w.msg)).toEqual([
      'manifest cache read failed; rendering without it',
      'manifest cache write failed',
    ]);
    expect(JSON.stringify(warnings)).not.toContain('pw@');
  });

  it.each(['../..', '/etc', 'app/../../outside'])('refuses the app path %s', async (path) => {
    const dir = await repo();
    const req = request(dir, { source: { repoURL: 'https://git.example.com/apps.git', path } });
    expect(isRenderError(await rejection(new Renderer(tools).render(req)), 'PathEscape')).toBe(
      true,
    );
  });

  it('strips credentials from every error message', () => {
    const err = new RenderError(
      'HelmError',
      'fetching https://bot:s3cret@charts.example.com/index.yaml failed',
    );
    expect(err.message).toBe('fetching https://charts.example.com/index.yaml failed');
    expect(err.retryable).toBe(false);
    expect(new RenderError('Timeout', 'slow').retryable).toBe(true);
  });

  it('checks its options once, at construction', () => {
    expect(() => new Renderer({ ...tools, timeoutMs: 0 })).toThrow(RangeError);
    expect(() => new Renderer({ helmPath: '', kubectlPath: 'k' })).toThrow(TypeError);
  });
});
