import { describe, expect, it } from 'vitest';
import { driftedFields, prepareDesired, type DiffObject } from '../../src/diff/index.js';
import { APP, isNamespaced, testdata } from './fixtures.js';

const desired = (): DiffObject => {
  const prepared = prepareDesired(testdata('deployment-desired.yaml'), {
    app: APP,
    destinationNamespace: 'shop',
    isNamespaced,
  });
  if (!prepared.ok) throw new Error(prepared.message);
  return prepared.object;
};
const live = () => testdata('deployment-live.yaml');

describe('driftedFields', () => {
  it('names nothing when live matches desired', async () => {
    expect(await driftedFields(desired(), live())).toEqual([]);
  });

  it('names the fields a watch event moved away from desired', async () => {
    const after = live();
    after['spec']['replicas'] = 7;
    after['spec']['template']['spec']['containers'][0]['image'] = 'nginx:latest';
    after['status'] = { replicas: 7 };
    expect(await driftedFields(desired(), after, {}, live())).toEqual([
      '/spec/replicas',
      '/spec/template/spec/containers/0/image',
    ]);
  });

  it('names only what this event changed when live had drifted already', async () => {
    const before = live();
    before['spec']['replicas'] = 7;
    const after = structuredClone(before);
    after['spec']['template']['spec']['containers'][0]['image'] = 'nginx:latest';
    expect(await driftedFields(desired(), after, {}, before)).toEqual([
      '/spec/template/spec/containers/0/image',
    ]);
    expect(await driftedFields(desired(), after)).toEqual([
      '/spec/replicas',
      '/spec/template/spec/containers/0/image',
    ]);
  });

  it('honours ignoreDifferences', async () => {
    const after = live();
    after['spec']['replicas'] = 7;
    const ignoreDifferences = [
      { group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] },
    ];
    expect(await driftedFields(desired(), after, { ignoreDifferences }, live())).toEqual([]);
  });
});
