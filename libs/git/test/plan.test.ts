import { describe, expect, it } from 'vitest';
import {
  appsForPush,
  artifactTag,
  groupByRepo,
  isOciArtifact,
  needsRender,
  pushTouchesApp,
  type ChartWatch,
  type PolledApp,
} from '../src/index.js';

const app = (path: string, paths?: string): PolledApp => ({
  ref: { namespace: 'flotilla', name: 'a' },
  sources: [{ repoURL: 'https://h/org/repo.git', targetRevision: 'main', path }],
  ...(paths ? { manifestGeneratePaths: paths } : {}),
});

describe('pushTouchesApp (manifest-generate-paths)', () => {
  it.each([
    ['apps/web', '.', ['apps/web/deploy.yaml'], true],
    ['apps/web', '.', ['apps/api/deploy.yaml'], false],
    ['apps/web', '.;../shared', ['apps/shared/values.yaml'], true],
    ['apps/web', '/charts/common', ['charts/common/Chart.yaml'], true],
    ['apps/web', '/charts/common', ['charts/commonx/Chart.yaml'], false],
    ['apps/web', undefined, ['README.md'], true],
  ])('path %s with %s, files %j → %s', (path, paths, files, want) => {
    expect(pushTouchesApp(app(path, paths), files)).toBe(want);
  });
});

describe('groupByRepo', () => {
  it('treats URL spellings of one repository as one', () => {
    const a = app('x');
    const b: PolledApp = {
      ...a,
      ref: { namespace: 'flotilla', name: 'b' },
      sources: [{ repoURL: 'https://H/org/repo/' }],
    };
    expect(groupByRepo([a, b]).size).toBe(1);
  });
});

describe('needsRender', () => {
  const a = app('x');
  const s = { revisions: ['1'], specHash: 'h' };
  it.each([
    [undefined, s, true],
    [s, s, false],
    [s, { ...s, revisions: ['2'] }, true],
    [s, { ...s, specHash: 'h2' }, true],
    [s, { ...s, error: 'boom' }, true],
    [{ ...s, error: 'boom' }, { ...s, error: 'boom' }, false],
    [{ ...s, error: 'boom' }, s, true],
    // An OCI chart version pushed again: same version, new digest.
    [{ ...s, digests: ['sha256:a'] }, { ...s, digests: ['sha256:a'] }, false],
    [{ ...s, digests: ['sha256:a'] }, { ...s, digests: ['sha256:b'] }, true],
    [{ ...s, digests: ['sha256:a'] }, { ...s, digests: [''] }, false],
    [s, { ...s, digests: ['sha256:a'] }, true],
  ])('previous %j, next %j → %s', (prev, next, want) => {
    expect(needsRender(a, next, prev)).toBe(want);
  });
});

describe('OCI artifact sources (type: oci)', () => {
  const oci = (targetRevision: string) => ({ repoURL: 'oci://r.example/m/web', targetRevision });
  const watch: ChartWatch = {
    listing: (src) =>
      /[x*^~<>=]/.test(src.targetRevision ?? '') ? { key: `tags:${src.repoURL}` } : undefined,
    pick: (versions) => versions['tags']!.at(-1)!,
  };

  it('are oci:// sources without chart, never Git', () => {
    expect(isOciArtifact(oci('latest'))).toBe(true);
    expect(isOciArtifact({ ...oci('1.0.0'), chart: 'web' })).toBe(false);
    expect(isOciArtifact({ repoURL: 'https://h/org/repo.git' })).toBe(false);
    const a: PolledApp = { ref: { namespace: 'f', name: 'a' }, sources: [oci('latest')] };
    expect(groupByRepo([a]).size).toBe(0);
    expect(appsForPush([a], { repoUrls: ['oci://r.example/m/web'] })).toEqual([]);
  });

  it('read a tag as written, a constraint from the listing, and a digest not at all', () => {
    const listings = new Map([[`tags:${oci('').repoURL}`, { tags: ['1.0.0', '1.1.0'] }]]);
    expect(artifactTag(oci('latest'), watch, listings)).toBe('latest');
    expect(artifactTag(oci('1.x'), watch, listings)).toBe('1.1.0');
    expect(artifactTag(oci(`sha256:${'a'.repeat(64)}`), watch, listings)).toBeUndefined();
    const failed = new Map([[`tags:${oci('').repoURL}`, new Error('401')]]);
    expect(() => artifactTag(oci('1.x'), watch, failed)).toThrow('401');
  });
});
