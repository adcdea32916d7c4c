import { describe, expect, it } from 'vitest';
import { diffApp, isManagedFieldsError, parseFieldsV1 } from '../../src/diff/index.js';
import { appInput, testdata } from './fixtures.js';

const hpaRule = {
  group: 'apps',
  kind: 'Deployment',
  managedFieldsManagers: ['kube-controller-manager'],
};
const diffHpa = (ignoreDifferences = [hpaRule], live = testdata('deployment-hpa-live.yaml')) =>
  diffApp(appInput([testdata('deployment-hpa-desired.yaml')], [live]), { ignoreDifferences });

describe('managedFieldsManagers', () => {
  it('shows the replicas an HPA set as drift without the rule', async () => {
    const { resources } = await diffHpa([]);
    expect(resources[0]).toMatchObject({ status: 'OutOfSync', changedPaths: ['/spec/replicas'] });
    expect(resources[0]?.diff).toContain('-  replicas: 5\n+  replicas: 2');
  });

  it('ignores spec.replicas that kube-controller-manager owns', async () => {
    const { resources } = await diffHpa();
    expect(resources[0]).toMatchObject({ status: 'Synced', diff: '' });
  });

  it('still shows drift in fields the trusted manager does not own', async () => {
    const live = testdata('deployment-hpa-live.yaml');
    live['spec']['template']['spec']['containers'][0]['image'] = 'ghcr.io/example/api:2.3.0';
    const { resources } = await diffHpa([hpaRule], live);
    expect(resources[0]?.changedPaths).toEqual(['/spec/template/spec/containers/0/image']);
  });

  it('trusts only the managers it is given', async () => {
    const { resources } = await diffHpa([{ ...hpaRule, managedFieldsManagers: ['some-operator'] }]);
    expect(resources[0]?.status).toBe('OutOfSync');
  });

  it('reports a malformed fieldsV1 of a trusted manager as an error of the resource', async () => {
    const live = testdata('deployment-hpa-live.yaml');
    live['metadata']['managedFields'][1]['fieldsV1'] = { 'x:spec': {} };
    const { resources } = await diffHpa([hpaRule], live);
    expect(resources[0]).toMatchObject({
      status: 'Error',
      message: expect.stringContaining('kube-controller-manager'),
    });
  });
});

describe('parseFieldsV1', () => {
  it('reads fields, list items by key, set items by value and indexes', () => {
    const owned = parseFieldsV1({
      'f:spec': {
        'f:replicas': {},
        'f:template': {
          'f:spec': {
            'f:containers': {
              'k:{"name":"web"}': { '.': {}, 'f:image': {} },
            },
          },
        },
      },
      'f:metadata': { 'f:finalizers': { 'v:"example.com/keep"': {} } },
      'f:args': { 'i:0': {} },
    });
    expect(owned).toEqual([
      { path: [{ field: 'spec' }, { field: 'replicas' }], leaf: true },
      {
        path: [
          { field: 'spec' },
          { field: 'template' },
          { field: 'spec' },
          { field: 'containers' },
          { key: { name: 'web' } },
        ],
        leaf: false,
      },
      {
        path: [
          { field: 'spec' },
          { field: 'template' },
          { field: 'spec' },
          { field: 'containers' },
          { key: { name: 'web' } },
          { field: 'image' },
        ],
        leaf: true,
      },
      {
        path: [{ field: 'metadata' }, { field: 'finalizers' }, { value: 'example.com/keep' }],
        leaf: true,
      },
      { path: [{ field: 'args' }, { index: 0 }], leaf: true },
    ]);
  });

  it('rejects unknown prefixes and bad JSON keys, naming the manager', () => {
    expect(() => parseFieldsV1({ 'x:spec': {} }, 'm')).toThrow(/malformed managed field/);
    let caught: unknown;
    try {
      parseFieldsV1({ 'f:spec': { 'k:{oops': {} } }, 'hpa');
    } catch (err) {
      caught = err;
    }
    expect(isManagedFieldsError(caught) && caught.manager).toBe('hpa');
  });
});

describe('fields Flotilla applied before and Git dropped', () => {
  it('are drift: the next server-side apply removes them', async () => {
    // Git no longer sets the MODE variable that Flotilla applied (and owns).
    const desired = testdata('deployment-desired.yaml');
    delete desired['spec']['template']['spec']['containers'][0]['env'];
    const { resources } = await diffApp(appInput([desired], [testdata('deployment-live.yaml')]));
    expect(resources[0]).toMatchObject({
      status: 'OutOfSync',
      changedPaths: ['/spec/template/spec/containers/0/env'],
    });
  });

  it('are no drift when another manager owns them too', async () => {
    const desired = testdata('deployment-desired.yaml');
    delete desired['spec']['template']['spec']['containers'][0]['env'];
    const live = testdata('deployment-live.yaml');
    live['metadata']['managedFields'].push({
      manager: 'kubectl-edit',
      operation: 'Update',
      fieldsV1: {
        'f:spec': {
          'f:template': {
            'f:spec': {
              'f:containers': {
                'k:{"name":"web"}': {
                  'f:env': { 'k:{"name":"MODE"}': { '.': {}, 'f:value': {} } },
                },
              },
            },
          },
        },
      },
    });
    const { resources } = await diffApp(appInput([desired], [live]));
    expect(resources[0]?.status).toBe('Synced');
  });
});
