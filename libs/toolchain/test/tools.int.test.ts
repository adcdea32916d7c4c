import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { run, userCacheDir } from '@flotilla/runtime';
import { resolveTool } from '../src/index.js';

const testdata = join(import.meta.dirname, 'testdata');
const cacheDir = userCacheDir(process.env);

const docs = (text: string) =>
  parseAllDocuments(text).map((d) => d.toJSON() as Record<string, any>);

describe('the provisioned helm and kubectl', () => {
  it('helm template renders a chart with a values file', async () => {
    const helm = await resolveTool('helm', { cacheDir });
    const { stdout } = await run(helm, [
      'template',
      'demo',
      join(testdata, 'chart'),
      '--values',
      join(testdata, 'chart', 'values-prod.yaml'),
    ]);
    const [cm] = docs(stdout);
    expect(cm?.metadata.name).toBe('demo-config');
    expect(cm?.data).toEqual({ greeting: 'hello', replicas: '3' });
  });

  it('kubectl kustomize builds an overlay', async () => {
    const kubectl = await resolveTool('kubectl', { cacheDir });
    const { stdout } = await run(kubectl, ['kustomize', join(testdata, 'kustomize')]);
    const [cm] = docs(stdout);
    expect(cm?.metadata.name).toBe('staging-app');
    expect(cm?.metadata.labels).toEqual({ env: 'staging' });
  });

  it('reports the pinned versions', async () => {
    const helm = await resolveTool('helm', { cacheDir });
    const kubectl = await resolveTool('kubectl', { cacheDir });
    expect((await run(helm, ['version', '--short'])).stdout).toMatch(/^v4\./);
    expect((await run(kubectl, ['version', '--client'])).stdout).toMatch(
      /Client Version: v1\.34\./,
    );
  });
});
