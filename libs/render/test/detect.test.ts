import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  detectFromFiles,
  detectSourceType,
  explicitSourceType,
  isRefOnlySource,
  isRenderError,
  type RenderSource,
} from '../src/index.js';
import { tempDir, writeTree } from './helpers.js';

const src = (extra: Partial<RenderSource> = {}): RenderSource => ({
  repoURL: 'https://example.com/repo.git',
  path: 'app',
  ...extra,
});

describe('explicit source type', () => {
  it.each([
    [{ helm: { releaseName: 'x' } }, 'Helm'],
    [{ kustomize: { namePrefix: 'p-' } }, 'Kustomize'],
    [{ directory: { recurse: true } }, 'Directory'],
    [{ chart: 'nginx' }, 'Helm'],
    [{}, undefined],
  ] as const)('%j is %s', (extra, type) => {
    expect(explicitSourceType(src(extra))).toBe(type);
  });

  it('ignores empty blocks, as Argo CD drops them before looking', () => {
    expect(explicitSourceType(src({ helm: {}, directory: { recurse: false, include: '' } }))).toBe(
      undefined,
    );
    expect(explicitSourceType(src({ helm: { valueFiles: [] } }))).toBe(undefined);
  });

  it('refuses two blocks at once', () => {
    const err = (() => {
      try {
        explicitSourceType(src({ helm: { releaseName: 'x' }, kustomize: { namePrefix: 'p' } }));
      } catch (e) {
        return e;
      }
    })();
    expect(isRenderError(err, 'InvalidSource')).toBe(true);
    expect((err as Error).message).toMatch(/Helm, Kustomize/);
  });
});

describe('detection from files, as Argo CD discovery', () => {
  it.each([
    [['Chart.yaml', 'values.yaml'], 'Helm'],
    [['kustomization.yaml', 'a.yaml'], 'Kustomize'],
    [['kustomization.yml'], 'Kustomize'],
    [['Kustomization'], 'Kustomize'],
    [['deploy.yaml', 'svc.yaml'], 'Directory'],
    [[], 'Directory'],
    // Files are visited in byte order and the last type found wins.
    [['kustomization.yaml', 'Chart.yaml'], 'Kustomize'],
    // A name that merely ends in Chart.yaml counts, and sorts after "Kustomization".
    [['Kustomization', 'MyChart.yaml'], 'Helm'],
    [['chart.yaml'], 'Directory'],
  ] as const)('%j is %s', (files, type) => {
    expect(detectFromFiles(files)).toBe(type);
  });

  it('the explicit block wins over the files', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'Chart.yaml': 'name: x\n', 'kustomization.yaml': '{}\n' });
    expect(await detectSourceType(src({ directory: { recurse: true } }), dir)).toBe('Directory');
    expect(await detectSourceType(src(), dir)).toBe('Kustomize');
  });

  it('looks only at files directly in the app directory', async () => {
    const dir = await tempDir();
    await writeTree(dir, { 'sub/Chart.yaml': 'name: x\n', 'cm.yaml': 'a: b\n' });
    await mkdir(join(dir, 'kustomization.yaml'));
    expect(await detectSourceType(src(), dir)).toBe('Directory');
  });
});

describe('ref-only sources', () => {
  it('render nothing themselves', () => {
    expect(isRefOnlySource({ repoURL: 'x', ref: 'values' })).toBe(true);
    expect(isRefOnlySource({ repoURL: 'x', ref: 'values', path: 'app' })).toBe(false);
    expect(isRefOnlySource({ repoURL: 'x', ref: 'values', chart: 'nginx' })).toBe(false);
    expect(isRefOnlySource({ repoURL: 'x', path: 'app' })).toBe(false);
  });
});
