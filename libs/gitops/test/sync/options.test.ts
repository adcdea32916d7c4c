// Sync options: parsing per app and per resource, the resource winning, the
// defaults, and what the options change in a plan.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SYNC_OPTIONS,
  DropReason,
  compareOptionsOf,
  effectiveSyncOptions,
  parseAppSyncOptions,
  parseSyncOptions,
  resourceSyncOptions,
} from '../../src/index.js';
import { cm, deploy, obj, order, plan, taskOf } from './fixtures.js';

const OPTIONS = 'argocd.argoproj.io/sync-options';

describe('parsing', () => {
  it.each([
    ['Prune=false', { prune: 'false' }],
    ['Prune=confirm', { prune: 'confirm' }],
    ['Delete=false', { delete: 'false' }],
    ['Delete=confirm', { delete: 'confirm' }],
    ['Validate=false', { validate: false }],
    ['SkipDryRunOnMissingResource=true', { skipDryRunOnMissingResource: true }],
    ['PruneLast=true', { pruneLast: true }],
    ['Replace=true', { replace: true }],
    ['Force=true', { force: true }],
    ['ServerSideApply=true', { serverSideApply: true }],
    ['ServerSideApply=false', { serverSideApply: false }],
    ['ApplyOutOfSyncOnly=true', { applyOutOfSyncOnly: true }],
  ])('a resource may say %s', (item, values) => {
    expect(parseSyncOptions([item], 'resource')).toEqual({ values, unknown: [] });
  });

  it.each([
    ['CreateNamespace=true', { createNamespace: true }],
    ['PrunePropagationPolicy=background', { prunePropagationPolicy: 'background' }],
    ['PrunePropagationPolicy=orphan', { prunePropagationPolicy: 'orphan' }],
    ['RespectIgnoreDifferences=true', { respectIgnoreDifferences: true }],
    ['FailOnSharedResource=true', { failOnSharedResource: true }],
    ['Prune=confirm', { prune: 'confirm' }],
    ['ApplyOutOfSyncOnly=true', { applyOutOfSyncOnly: true }],
  ])('an app may say %s', (item, values) => {
    expect(parseSyncOptions([item], 'app')).toEqual({ values, unknown: [] });
  });

  it.each([
    ['app', 'Force=true'],
    ['resource', 'CreateNamespace=true'],
    ['resource', 'PrunePropagationPolicy=background'],
    ['app', 'PrunePropagationPolicy=sideways'],
    ['app', 'Validate=no'],
    ['app', 'validate=false'],
    ['app', 'Prune'],
    ['app', 'Frobnicate=true'],
  ] as const)('an %s cannot say %s', (scope, item) => {
    expect(parseSyncOptions([item], scope)).toEqual({ values: {}, unknown: [item] });
  });

  it('lets the operation’s options win over the app’s', () => {
    expect(
      parseAppSyncOptions(['Replace=true', 'PruneLast=true'], ['Replace=false']).values,
    ).toEqual({
      replace: false,
      pruneLast: true,
    });
  });

  it('reads both annotation spellings, the Flotilla one winning per option', () => {
    const o = cm('c', {
      [OPTIONS]: 'Replace=true, Validate=false',
      'flotilla.dev/sync-options': 'Replace=false',
    });
    expect(resourceSyncOptions(o).values).toEqual({ replace: false, validate: false });
  });
});

describe('merging', () => {
  it('defaults to server-side apply, foreground prunes and validation', () => {
    expect(effectiveSyncOptions({})).toEqual(DEFAULT_SYNC_OPTIONS);
    expect(DEFAULT_SYNC_OPTIONS).toMatchObject({
      serverSideApply: true,
      prunePropagationPolicy: 'foreground',
      validate: true,
      prune: 'true',
      replace: false,
    });
  });

  it.each([
    [{ serverSideApply: true }, { serverSideApply: false }, { serverSideApply: false }],
    [{ replace: true }, {}, { replace: true }],
    [{}, { replace: true }, { replace: true }],
    [{ pruneLast: true }, { pruneLast: false }, { pruneLast: false }],
    [{ validate: false }, { validate: true }, { validate: true }],
  ])('app %j with resource %j gives %j', (app, resource, expected) => {
    expect(effectiveSyncOptions(app, resource)).toMatchObject(expected);
  });

  it('puts the merged options on each task', () => {
    const p = plan([cm('a', { [OPTIONS]: 'ServerSideApply=false' }), cm('b')], [], {
      syncOptions: ['Replace=true'],
    });
    expect(taskOf(p, 'ConfigMap', 'a').syncOptions).toMatchObject({
      serverSideApply: false,
      replace: true,
    });
    expect(taskOf(p, 'ConfigMap', 'b').syncOptions).toMatchObject({
      serverSideApply: true,
      replace: true,
    });
  });

  it('applies the sync strategy’s force to every task', () => {
    const p = plan([cm('a')], [], { force: true });
    expect(taskOf(p, 'ConfigMap', 'a').syncOptions.force).toBe(true);
  });

  it('warns about app options it does not know', () => {
    expect(plan([], [], { syncOptions: ['Frobnicate=true'] }).warnings).toEqual([
      { message: 'unknown sync option "Frobnicate=true"' },
    ]);
  });
});

describe('compare options', () => {
  it.each([
    ['IgnoreExtraneous', { ignoreExtraneous: true, unknown: [] }],
    ['ServerSideDiff=false', { serverSideDiff: false, unknown: [] }],
    [
      'ServerSideDiff=true,IncludeMutationWebhook=true',
      { serverSideDiff: true, includeMutationWebhook: true, unknown: [] },
    ],
    ['Sometimes', { unknown: ['Sometimes'] }],
  ])('%s reads as %j', (value, expected) => {
    expect(compareOptionsOf(cm('c', { 'argocd.argoproj.io/compare-options': value }))).toEqual(
      expected,
    );
  });
});

describe('options that change the plan', () => {
  const live = obj('v1', 'ConfigMap', 'same', {}, { namespace: 'app' });

  it('leaves out resources in sync under ApplyOutOfSyncOnly', () => {
    const isModified = (key: { name: string }) => key.name !== 'same';
    const p = plan([cm('same'), cm('changed')], [live], {
      syncOptions: ['ApplyOutOfSyncOnly=true'],
      isModified,
    });
    expect(order(p)).toEqual(['Sync/0 apply ConfigMap/changed']);
    expect(p.dropped.map((d) => d.reason)).toEqual([DropReason.InSync]);
    const all = plan([cm('same'), cm('changed')], [live], { isModified });
    expect(all.tasks).toHaveLength(2);
  });

  it('marks resources in sync unchanged, unless written another way than a plain apply', () => {
    const isModified = (key: { name: string }) => key.name !== 'same';
    const p = plan([cm('same'), cm('changed')], [live], { isModified });
    expect(taskOf(p, 'ConfigMap', 'same').unchanged).toBe(true);
    expect(taskOf(p, 'ConfigMap', 'changed').unchanged).toBeUndefined();
    for (const option of ['Replace=true', 'ServerSideApply=false', 'Validate=false']) {
      const other = plan([cm('same')], [live], { isModified, syncOptions: [option] });
      expect(taskOf(other, 'ConfigMap', 'same').unchanged).toBeUndefined();
    }
  });

  it('skips the dry run of an unknown kind under SkipDryRunOnMissingResource', () => {
    const p = plan([
      obj('example.com/v1', 'Widget', 'w', { [OPTIONS]: 'SkipDryRunOnMissingResource=true' }),
      obj('example.com/v1', 'Widget', 'x'),
      cm('known', { [OPTIONS]: 'SkipDryRunOnMissingResource=true' }),
    ]);
    expect(taskOf(p, 'Widget', 'w').skipDryRun).toBe(true);
    expect(taskOf(p, 'Widget', 'x').skipDryRun).toBe(false);
    expect(taskOf(p, 'ConfigMap', 'known').skipDryRun).toBe(false);
  });

  it('creates the destination namespace first under CreateNamespace=true', () => {
    const p = plan([deploy('web')], [], {
      syncOptions: ['CreateNamespace=true'],
      managedNamespaceMetadata: { labels: { team: 'shop' } },
      destinationNamespaceObject: null,
    });
    expect(order(p)).toEqual(['PreSync/0 apply Namespace/app', 'Sync/0 apply Deployment/web']);
    expect(taskOf(p, 'Namespace', 'app').targetObject).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'app', labels: { team: 'shop' } },
    });
  });

  it.each([
    [
      'the namespace exists with its metadata',
      { metadata: { name: 'app', labels: { team: 'shop' } } },
      [deploy('web')],
    ],
    ['the manifests declare it', null, [deploy('web'), obj('v1', 'Namespace', 'app')]],
  ])('adds no namespace task when %s', (_, liveNs, desired) => {
    const p = plan(desired, [], {
      syncOptions: ['CreateNamespace=true'],
      managedNamespaceMetadata: { labels: { team: 'shop' } },
      destinationNamespaceObject: liveNs
        ? { apiVersion: 'v1', kind: 'Namespace', ...liveNs }
        : null,
    });
    expect(p.tasks.filter((t) => t.phase === 'PreSync')).toEqual([]);
  });
});
