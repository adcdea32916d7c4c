import { describe, expect, it } from 'vitest';
import { groupByRepo, needsRender, pushTouchesApp, type PolledApp } from '../src/index.js';

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
  ])('previous %j, next %j → %s', (prev, next, want) => {
    expect(needsRender(a, next, prev)).toBe(want);
  });
});
