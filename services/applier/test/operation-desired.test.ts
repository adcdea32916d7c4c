// When an operation can use the app's rendered desired state, and what it asks
// the renderer for otherwise.
import { describe, expect, it } from 'vitest';
import { API_VERSION, type Application } from '@flotilla/api';
import type { DesiredState } from '@flotilla/render';
import {
  describeTarget,
  operationTarget,
  renderRequest,
  syncedSources,
} from '../src/operation-desired.js';

const sha = (c: string) => c.repeat(40);
const source = { repoURL: 'https://git.example.com/apps.git', path: 'web', targetRevision: 'main' };
const meta = { apiVersion: API_VERSION, kind: 'Application', metadata: { name: 'web' } } as const;
const single: Application = { ...meta, spec: { project: 'default', source, destination: {} } };
const multi: Application = {
  ...meta,
  spec: {
    project: 'default',
    sources: [source, { ...source, path: 'db', targetRevision: 'v2' }],
    destination: {},
  },
};
const stored = (...revisions: string[]) => ({ revisions }) as unknown as DesiredState;

describe('operationTarget', () => {
  it.each([
    ['the commit the desired state was rendered at', { revision: sha('A') }],
    [
      'the same source at that commit, keys in another order',
      {
        revision: sha('a'),
        source: { targetRevision: 'main', path: 'web', repoURL: source.repoURL },
      },
    ],
  ])('uses the desired state for %s', (_, sync) => {
    expect(operationTarget(single, sync, stored(sha('a')))).toBeUndefined();
  });

  it.each([
    ['no revision', {}, ''],
    ['the targetRevision itself', { revision: 'main' }, 'main'],
  ])('resolves the branch again for %s, as Argo CD syncs what it points to now', (_, sync, rev) => {
    expect(operationTarget(single, sync, stored(sha('a')))).toEqual({
      sources: [source],
      revisions: [rev],
      multiSource: false,
    });
  });

  it('uses the desired state when the targetRevision is the stored commit itself', () => {
    const pinned: Application = {
      ...single,
      spec: { ...single.spec!, source: { ...source, targetRevision: sha('a') } },
    };
    expect(operationTarget(pinned, {}, stored(sha('a')))).toBeUndefined();
  });

  it('asks for another revision of the spec source', () => {
    expect(operationTarget(single, { revision: 'v1' }, stored(sha('a')))).toEqual({
      sources: [source],
      revisions: ['v1'],
      multiSource: false,
    });
  });

  it("asks for a rollback's source, even at the stored commit", () => {
    const old = { ...source, path: 'old-web' };
    expect(operationTarget(single, { revision: sha('a'), source: old }, stored(sha('a')))).toEqual({
      sources: [old],
      revisions: [sha('a')],
      multiSource: false,
    });
  });

  it('reads revisions, not revision, for several sources', () => {
    expect(
      operationTarget(
        multi,
        { revision: 'x', revisions: [sha('a'), sha('b')] },
        stored(sha('a'), sha('b')),
      ),
    ).toBeUndefined();
    expect(operationTarget(multi, { revisions: ['', 'v1'] }, stored(sha('a'), sha('b')))).toEqual({
      sources: multi.spec!.sources,
      revisions: ['', 'v1'],
      multiSource: true,
    });
  });

  it('asks even when nothing was rendered yet', () => {
    expect(operationTarget(single, { revision: sha('c') }, undefined)?.revisions).toEqual([
      sha('c'),
    ]);
  });
});

describe('the render request', () => {
  const target = { sources: [source], revisions: ['v1'], multiSource: false };

  it('is the same for a resumed attempt and new for a retry', () => {
    const at = '2026-01-01T00:00:00Z';
    expect(renderRequest(target, at)).toBe(renderRequest({ ...target }, at));
    expect(renderRequest(target, at)).not.toBe(renderRequest(target, '2026-01-01T00:00:10Z'));
    expect(renderRequest(target, at)).not.toBe(renderRequest({ ...target, revisions: ['v2'] }, at));
  });

  it('is described by its revisions', () => {
    expect(describeTarget(target)).toBe('revision v1');
    expect(
      describeTarget({ sources: multi.spec!.sources!, revisions: ['', 'v3'], multiSource: true }),
    ).toBe('revisions main, v3');
  });
});

describe('syncedSources', () => {
  it('records the source of one, and sources and revisions of several', () => {
    expect(syncedSources(single, undefined, [sha('a')])).toEqual({ source });
    expect(syncedSources(multi, undefined, [sha('a'), sha('b')])).toEqual({
      sources: multi.spec!.sources,
      revisions: [sha('a'), sha('b')],
    });
  });
});
