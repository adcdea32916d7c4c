import { describe, expect, it } from 'vitest';
import { diffApp, mergeDesiredIntoLive } from '../../src/diff/index.js';
import { appInput, testdata } from './fixtures.js';

const desired = () => testdata('deployment-desired.yaml');
const live = () => testdata('deployment-live.yaml');
const container = (obj: Record<string, any>) => obj['spec']['template']['spec']['containers'][0];
const compare = async (d = desired(), l = live()) =>
  (await diffApp(appInput([d], [l]))).resources[0];

describe('structural comparison', () => {
  it('finds a Deployment Synced although live has every default filled in', async () => {
    expect(await compare()).toMatchObject({ status: 'Synced', mode: 'structural', diff: '' });
  });

  it('names a changed image and shows it in a unified YAML diff', async () => {
    const d = desired();
    container(d).image = 'nginx:1.28';
    const result = await compare(d);
    expect(result).toMatchObject({
      status: 'OutOfSync',
      changedPaths: ['/spec/template/spec/containers/0/image'],
    });
    expect(result?.diff).toContain('--- live/apps/Deployment/shop/web');
    expect(result?.diff).toContain('+++ desired/apps/Deployment/shop/web');
    expect(result?.diff).toContain('-          image: nginx:1.27\n+          image: nginx:1.28');
  });

  it('shows the objects as they were compared, although the text is made when first read', async () => {
    const d = desired();
    const l = live();
    container(d).image = 'nginx:1.28';
    const result = await compare(d, l);
    // What the caller does with its objects afterwards does not reach the text.
    container(d).image = 'nginx:9';
    container(l).image = 'nginx:8';
    delete d['metadata'];
    const text = result?.diff ?? '';
    expect(text).toContain('-          image: nginx:1.27\n+          image: nginx:1.28');
    expect(text).not.toContain('nginx:9');
    expect(result?.diff).toBe(text);
    expect(JSON.parse(JSON.stringify(result))).toMatchObject({ status: 'OutOfSync', diff: text });
    const missing = (await diffApp(appInput([desired()], []))).resources[0];
    expect(missing).toMatchObject({ status: 'Missing' });
    expect(missing?.diff).toContain('+++ desired/apps/Deployment/shop/web');
  });

  it('compares quantities by value: 0.5 is 500m, 1Gi is 1024Mi', async () => {
    const d = desired();
    container(d).resources = {
      requests: { cpu: '500m', memory: '0.25Gi' },
      limits: { memory: '1024Mi' },
    };
    expect((await compare(d))?.status).toBe('Synced');
    container(d).resources.limits.memory = '1G';
    expect((await compare(d))?.changedPaths).toEqual([
      '/spec/template/spec/containers/0/resources/limits/memory',
    ]);
  });

  it('does not read other strings as quantities', async () => {
    const d = desired();
    d['metadata']['labels'] = { app: 'web', version: '1.0' };
    const l = live();
    l['metadata']['labels'] = { app: 'web', version: '1' };
    expect((await compare(d, l))?.changedPaths).toEqual(['/metadata/labels/version']);
  });

  it('keeps a container a webhook injected, and finds one Git adds', async () => {
    const l = live();
    l['spec']['template']['spec']['containers'].unshift({ name: 'istio-proxy', image: 'proxyv2' });
    expect((await compare(desired(), l))?.status).toBe('Synced');
    const d = desired();
    d['spec']['template']['spec']['containers'].push({ name: 'metrics', image: 'exporter:1' });
    expect((await compare(d, l))?.changedPaths).toEqual(['/spec/template/spec/containers/2']);
  });

  it('finds a variable added in Git and one removed by hand', async () => {
    const d = desired();
    container(d).env.push({ name: 'LOG', value: 'debug' });
    expect((await compare(d))?.changedPaths).toEqual(['/spec/template/spec/containers/0/env/1']);
    const l = live();
    container(l).env = [];
    expect((await compare(desired(), l))?.changedPaths).toEqual([
      '/spec/template/spec/containers/0/env/0',
    ]);
  });

  it('treats null, {} and [] in Git as unset where live has nothing', async () => {
    const d = desired();
    container(d).args = [];
    container(d).securityContext = {};
    d['spec']['paused'] = null;
    expect((await compare(d))?.status).toBe('Synced');
  });

  it('compares lists without a merge key by position', async () => {
    const d = desired();
    container(d).args = ['--port', '80'];
    const l = live();
    container(l).args = ['--port', '8080'];
    expect((await compare(d, l))?.changedPaths).toEqual([
      '/spec/template/spec/containers/0/args/1',
    ]);
  });
});

describe('mergeDesiredIntoLive', () => {
  it('lays desired over live and keeps live-only fields', () => {
    expect(
      mergeDesiredIntoLive(
        { a: { b: 1 }, list: [{ name: 'x', v: 2 }] },
        { a: { b: 0, c: 3 }, list: [{ name: 'y' }, { name: 'x', v: 1, w: 4 }], d: 5 },
      ),
    ).toEqual({ a: { b: 1, c: 3 }, list: [{ name: 'y' }, { name: 'x', v: 2, w: 4 }], d: 5 });
  });

  it('replaces lists without a key whose lengths differ', () => {
    expect(mergeDesiredIntoLive({ l: [1, 2] }, { l: [1, 2, 3] })).toEqual({ l: [1, 2] });
  });

  it('does not modify its inputs', () => {
    const d = { a: { b: 1 } };
    const l = { a: { b: 0, c: 3 } };
    mergeDesiredIntoLive(d, l);
    expect(l).toEqual({ a: { b: 0, c: 3 } });
  });
});
