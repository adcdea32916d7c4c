// The content-addressed chart store kept to a size: least recently used
// entries go, never one a render holds. Real registry, real helm.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEnv, writeChart, type TestEnv } from '@flotilla/testing';
import { ChartClient, Renderer, type ChartClientOptions } from '../src/index.js';
import { realTools } from './tools.js';

let env: TestEnv;
let tools: { helmPath: string; kubectlPath: string };
const VERSIONS = ['1.0.0', '1.1.0', '1.2.0'] as const;

const spec = () => ({ repoURL: `oci://${env.registry.host}/charts`, chart: 'stored' });
const creds = () => [
  {
    urlPrefix: `oci://${env.registry.host}/charts`,
    type: 'oci' as const,
    enableOCI: true,
    ...env.registry.auth,
  },
];
const client = (over: Partial<ChartClientOptions> = {}) =>
  new ChartClient({
    cacheDir: join(env.tmpDir, `store-${Math.random().toString(36).slice(2)}`),
    credentials: creds,
    trustedCerts: () => ({ '127.0.0.1': env.ca.caPem }),
    ...over,
  });
const exists = (dir: string) =>
  access(dir).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  tools = await realTools();
  env = await startEnv({ registry: true });
  for (const version of VERSIONS) {
    await env.registry.push(
      await writeChart(join(env.tmpDir, 'charts', version), {
        name: 'stored',
        version,
        values: { greeting: `hi ${version}` },
      }),
    );
  }
}, 1_800_000);

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
});

describe('the chart store kept to a size', () => {
  it('removes charts no render holds, keeps one a render holds, and pulls a removed one again', async () => {
    // One byte: everything not held is over the limit.
    const c = client({ maxCacheBytes: 1, keepUsedWithinMs: 0 });
    const held = await c.pull(spec(), '1.0.0');
    const second = await c.pull(spec(), '1.1.0');
    second.release();
    const third = await c.pull(spec(), '1.2.0');
    // The pull of 1.2.0 cleaned up: 1.1.0 went, the held 1.0.0 and 1.2.0 stayed.
    expect(await exists(second.dir)).toBe(false);
    expect(await exists(held.dir)).toBe(true);
    expect(await exists(third.dir)).toBe(true);
    const rendered = await new Renderer(tools).render({
      appName: 'web',
      namespace: 'web',
      source: { ...spec(), targetRevision: '1.0.0' },
      repoDir: held.dir,
      revision: held.digest,
    });
    expect(rendered.objects[0]?.['data']).toEqual({ greeting: 'hi 1.0.0', chartVersion: '1.0.0' });

    held.release();
    third.release();
    expect((await c.gc()).removed).toBe(2);
    expect(await exists(held.dir)).toBe(false);
    expect(await c.store.entries()).toEqual([]);
    // Removed is not lost: the next pull fetches it again into the same place.
    const again = await c.pull(spec(), '1.1.0');
    expect(again.dir).toBe(second.dir);
    expect(await exists(join(again.dir, 'Chart.yaml'))).toBe(true);
    again.release();
  });

  it('removes the least recently used first, down to the limit', async () => {
    // The size of each chart's entry, from a store with no limit.
    const sizing = client();
    const sizes: Record<string, number> = {};
    for (const version of VERSIONS) {
      const p = await sizing.pull(spec(), version);
      p.release();
      sizes[version] = (await sizing.store.entries()).find((e) => e.digest === p.digest)!.bytes;
    }
    // Room for two of the three.
    const c = client({
      maxCacheBytes: sizes['1.0.0']! + sizes['1.2.0']!,
      keepUsedWithinMs: 0,
    });
    const dirs: Record<string, string> = {};
    const use = async (version: string) => {
      const p = await c.pull(spec(), version);
      dirs[version] = p.dir;
      p.release();
    };
    await use('1.0.0');
    await use('1.1.0');
    await use('1.0.0'); // used again: 1.1.0 is now the least recently used
    await use('1.2.0');
    expect(await exists(dirs['1.1.0']!)).toBe(false);
    expect(await exists(dirs['1.0.0']!)).toBe(true);
    expect(await exists(dirs['1.2.0']!)).toBe(true);
    const left = await c.store.entries();
    expect(left.reduce((n, e) => n + e.bytes, 0)).toBe(sizes['1.0.0']! + sizes['1.2.0']!);
  });

  it('keeps everything recently used, for a process sharing the directory, even over the limit', async () => {
    const c = client({ maxCacheBytes: 1 });
    for (const version of VERSIONS) (await c.pull(spec(), version)).release();
    expect(await c.gc()).toMatchObject({ removed: 0 });
    expect(await c.store.entries()).toHaveLength(3);
  });
});
