// The pure parts of ApplyOutOfSyncOnly, RespectIgnoreDifferences and
// FailOnSharedResource.
import { afterAll, describe, expect, it } from 'vitest';
import {
  defaultJqRunner,
  modifiedSinceComparison,
  respectIgnoreDifferences,
  sharedResourceFailure,
  trackingId,
  type JqRunner,
} from '../../src/index.js';

const key = (name: string) => ({ group: '', kind: 'ConfigMap', namespace: 'dest', name });
const written = (time: string) => ({ metadata: { managedFields: [{ manager: 'x', time }] } });

describe('modifiedSinceComparison (ApplyOutOfSyncOnly)', () => {
  const last = {
    reconciledAt: '2026-01-01T00:00:10.500Z',
    revisions: ['abc'],
    resources: [
      { group: '', kind: 'ConfigMap', namespace: 'dest', name: 'same', status: 'Synced' as const },
      {
        group: '',
        kind: 'ConfigMap',
        namespace: 'dest',
        name: 'diff',
        status: 'OutOfSync' as const,
      },
    ],
  };
  const manifests = { revisions: ['abc'], renderedAt: '2026-01-01T00:00:09Z' };
  const old = written('2026-01-01T00:00:08Z');

  it.each([
    ['in sync and untouched since', 'same', old, last, manifests, false],
    ['out of sync', 'diff', old, last, manifests, undefined],
    ['not in the comparison', 'new', old, last, manifests, undefined],
    [
      'written in the second of the comparison',
      'same',
      written('2026-01-01T00:00:10Z'),
      last,
      manifests,
      undefined,
    ],
    ['without managed fields', 'same', {}, last, manifests, undefined],
    [
      'when only its status was written since',
      'same',
      {
        metadata: {
          managedFields: [
            { manager: 'x', time: '2026-01-01T00:00:08Z' },
            { manager: 'c', time: '2026-01-01T00:00:20Z', subresource: 'status' },
          ],
        },
      },
      last,
      manifests,
      false,
    ],
    [
      'compared at another revision',
      'same',
      old,
      last,
      { ...manifests, revisions: ['def'] },
      undefined,
    ],
    [
      'rendered after the comparison',
      'same',
      old,
      last,
      { ...manifests, renderedAt: '2026-01-01T00:00:11Z' },
      undefined,
    ],
    ['never compared', 'same', old, { ...last, reconciledAt: undefined }, manifests, undefined],
  ])('%s → %s', (_what, name, live, comparison, m, expected) => {
    const isModified = modifiedSinceComparison(comparison, m, () => live);
    expect(isModified(key(name))).toBe(expected);
  });
});

describe('respectIgnoreDifferences', () => {
  let jq: JqRunner | undefined;
  const runner = () => (jq ??= defaultJqRunner());
  afterAll(async () => {
    await jq?.close();
  });
  const target = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', annotations: { 'flotilla.dev/tracking-id': 'mine' } },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'v2' }] } } },
  };
  const live = {
    ...target,
    metadata: { name: 'web', annotations: { 'flotilla.dev/tracking-id': 'old', note: 'x' } },
    spec: {
      replicas: 5,
      paused: true,
      template: { spec: { containers: [{ name: 'c', image: 'v1' }] } },
    },
  };
  const k = { group: 'apps', kind: 'Deployment', namespace: 'dest', name: 'web' };

  it('takes ignored pointers from live and leaves the rest', async () => {
    const rules = [
      { group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas', '/spec/paused'] },
    ];
    const out = (await respectIgnoreDifferences(target, live, k, rules, runner)) as typeof live;
    expect(out.spec.replicas).toBe(5);
    expect(out.spec.paused).toBe(true);
    expect(out.spec.template.spec.containers[0]?.image).toBe('v2');
  });

  it('takes jq paths from live, and keeps the tracking id of the sync', async () => {
    const rules = [
      {
        group: 'apps',
        kind: 'Deployment',
        jqPathExpressions: ['.spec.template.spec.containers[] | select(.name == "c") | .image'],
        jsonPointers: ['/metadata/annotations'],
      },
    ];
    const out = (await respectIgnoreDifferences(target, live, k, rules, runner)) as typeof live;
    expect(out.spec.template.spec.containers[0]?.image).toBe('v1');
    expect(out.spec.replicas).toBe(1);
    expect(out.metadata.annotations).toEqual({ 'flotilla.dev/tracking-id': 'mine', note: 'x' });
  });

  it('removes an ignored field live does not have, and leaves unmatched kinds alone', async () => {
    const rules = [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/minReadySeconds'] }];
    const withField = { ...target, spec: { ...target.spec, minReadySeconds: 3 } };
    const out = (await respectIgnoreDifferences(withField, live, k, rules, runner)) as Record<
      string,
      any
    >;
    expect(out['spec']['minReadySeconds']).toBeUndefined();
    const other = [{ group: '', kind: 'ConfigMap', jsonPointers: ['/spec/replicas'] }];
    expect(await respectIgnoreDifferences(target, live, k, other, runner)).toBe(target);
  });
});

describe('sharedResourceFailure (FailOnSharedResource)', () => {
  const app = { namespace: 'apps', name: 'mine' };
  const tracked = (owner: string, name: string) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace: 'dest',
      annotations: {
        'flotilla.dev/tracking-id': trackingId({ namespace: 'apps', name: owner }, key(name)),
      },
    },
  });
  it("names the resource and both applications in Argo CD's words", () => {
    const live = new Map([
      ['own', tracked('mine', 'own')],
      ['shared', tracked('other', 'shared')],
    ]);
    const liveOf = (k: { name: string }) => live.get(k.name);
    expect(sharedResourceFailure(app, [key('own'), key('missing'), key('shared')], liveOf)).toBe(
      'Shared resource found: ConfigMap/shared is part of applications apps/mine and apps/other',
    );
    expect(sharedResourceFailure(app, [key('own')], liveOf)).toBeUndefined();
  });
});
