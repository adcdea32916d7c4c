// Choosing a check: inline scripts (an exact key, then a wildcard one), then
// customization directories in order, then the built-in checks; and the options
// that configure it.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HealthStatusCode as H } from '@flotilla/api';
import { afterAll, describe, expect, it } from 'vitest';
import {
  HealthCheckSource,
  assessHealth,
  createHealthAssessor,
  isHealthOptionsError,
  type HealthAssessor,
  type HealthOptions,
} from '../../src/health/index.js';
import { fixture } from './fixtures.js';

const assessors: HealthAssessor[] = [];
function assessor(options: HealthOptions = {}): HealthAssessor {
  const a = createHealthAssessor({ ...options, lua: { isolation: 'inline', ...options.lua } });
  assessors.push(a);
  return a;
}
afterAll(async () => {
  await Promise.all(assessors.map((a) => a.close()));
});

/** A customization directory with the given `<key>/health.lua` scripts. */
function customizationDir(scripts: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'flotilla-health-'));
  for (const [key, source] of Object.entries(scripts)) {
    mkdirSync(join(root, key), { recursive: true });
    writeFileSync(join(root, key, 'health.lua'), source);
  }
  return root;
}

const certificate = {
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { name: 'tls' },
  status: { conditions: [{ type: 'Ready', status: 'True', message: 'Certificate is up to date' }] },
};
const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };

describe('createHealthAssessor', () => {
  it('judges built-in kinds with their built-in check', async () => {
    const a = assessor();
    expect(a.checkFor({ group: 'apps', kind: 'Deployment' })).toBe(HealthCheckSource.Builtin);
    expect(await a.assess(fixture('deployment-degraded'))).toEqual({
      status: H.Degraded,
      message: 'Deployment "guestbook-ui" exceeded its progress deadline',
    });
  });

  it('judges cert-manager Certificates with a built-in check', async () => {
    const a = assessor();
    expect(a.checkFor({ group: 'cert-manager.io', kind: 'Certificate' })).toBe(
      HealthCheckSource.Builtin,
    );
    expect(await a.assess(certificate)).toEqual({
      status: H.Healthy,
      message: 'Certificate is up to date',
    });
  });

  it('has no opinion on kinds without a check, and no Missing for them either', async () => {
    const a = assessor();
    expect(await a.assess(widget)).toBeUndefined();
    expect(await a.assess({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} })).toBeUndefined();
    expect(a.checkFor({ group: '', kind: 'ConfigMap' })).toBeUndefined();
    expect(a.missing({ group: '', kind: 'ConfigMap' })).toBeUndefined();
    expect(a.missing({ group: 'apps', kind: 'Deployment' })).toEqual({ status: H.Missing });
    expect(a.missing({ group: 'cert-manager.io', kind: 'Certificate' })).toEqual({
      status: H.Missing,
    });
  });

  it('lets an inline script override a built-in check, as argocd-cm health overrides do', async () => {
    const a = assessor({
      scripts: { 'apps/Deployment': 'return { status = "Suspended", message = "by override" }' },
    });
    expect(a.checkFor({ group: 'apps', kind: 'Deployment' })).toBe(HealthCheckSource.Lua);
    expect(await a.assess(fixture('deployment-healthy'))).toEqual({
      status: H.Suspended,
      message: 'by override',
    });
  });

  it('finds scripts for new kinds in an operator directory, core kinds by Kind alone', async () => {
    const dir = customizationDir({
      'example.com/Widget':
        'return { status = "Degraded", message = obj.metadata.name .. " is broken" }',
      Pod: 'return { status = "Healthy", message = "pods are fine here" }',
    });
    const a = assessor({ customizationDirs: [dir] });
    expect(await a.assess(widget)).toEqual({ status: H.Degraded, message: 'w is broken' });
    expect(await a.assess(fixture('pod-crashloop'))).toEqual({
      status: H.Healthy,
      message: 'pods are fine here',
    });
  });

  it('searches operator directories in order, before the built-in checks', async () => {
    const first = customizationDir({
      'cert-manager.io/Certificate': 'return { status = "Degraded", message = "first" }',
    });
    const second = customizationDir({
      'cert-manager.io/Certificate': 'return { status = "Healthy", message = "second" }',
    });
    expect(await assessor({ customizationDirs: [first, second] }).assess(certificate)).toEqual({
      status: H.Degraded,
      message: 'first',
    });
    expect(await assessor({ customizationDirs: [second, first] }).assess(certificate)).toEqual({
      status: H.Healthy,
      message: 'second',
    });
  });

  it('lets a user customization win over a built-in check for the same kind', async () => {
    const a = assessor({
      scripts: {
        'cert-manager.io/Certificate': 'return { status = "Degraded", message = "mine" }',
      },
    });
    expect(a.checkFor({ group: 'cert-manager.io', kind: 'Certificate' })).toBe(
      HealthCheckSource.Lua,
    );
    expect(await a.assess(certificate)).toEqual({ status: H.Degraded, message: 'mine' });
  });

  it('matches wildcard keys, an exact key winning over them', async () => {
    const a = assessor({
      scripts: {
        '*.example.com/*': 'return { status = "Suspended", message = "wildcard " .. obj.kind }',
        'example.com/Gadget': 'return { status = "Healthy", message = "exact" }',
      },
    });
    expect(await a.assess({ ...widget, apiVersion: 'parts.example.com/v1' })).toEqual({
      status: H.Suspended,
      message: 'wildcard Widget',
    });
    expect(await a.assess({ ...widget, apiVersion: 'example.com/v1' })).toBeUndefined();
    expect(
      await a.assess({ apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g' } }),
    ).toEqual({ status: H.Healthy, message: 'exact' });
    expect(a.missing({ group: 'x.example.com', kind: 'Widget' })).toEqual({ status: H.Missing });
  });

  it('reports a scripted object being deleted as Pending deletion before running the script', async () => {
    const deleting = {
      ...certificate,
      metadata: { name: 'tls', deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['x/y'] },
    };
    expect(await assessor().assess(deleting)).toEqual({
      status: H.Progressing,
      message: 'Pending deletion; blocked by finalizers: x/y',
    });
  });

  it('says Unknown when a script file cannot be read', async () => {
    const dir = customizationDir({});
    mkdirSync(join(dir, 'example.com', 'Widget', 'health.lua'), { recursive: true });
    const result = await assessor({ customizationDirs: [dir] }).assess(widget);
    expect(result?.status).toBe(H.Unknown);
    expect(result?.message).toMatch(/^cannot read health script .*health\.lua/);
  });

  it('ignores kinds that could escape the customization directory', async () => {
    const a = assessor();
    expect(a.checkFor({ group: '..', kind: 'Certificate' })).toBeUndefined();
    expect(await a.assess({ apiVersion: '../../etc/v1', kind: 'passwd' })).toBeUndefined();
  });

  it('answers Unknown for scripted kinds once closed, and still judges built-in ones', async () => {
    const a = createHealthAssessor({
      lua: { isolation: 'inline' },
      scripts: { 'example.com/Widget': 'return { status = "Healthy" }' },
    });
    await a.close();
    expect(await a.assess(widget)).toEqual({
      status: H.Unknown,
      message: 'the health assessor is closed',
    });
    expect((await a.assess(fixture('deployment-healthy')))?.status).toBe(H.Healthy);
  });

  it('runs scripts in worker threads by default', async () => {
    await using a = createHealthAssessor({
      scripts: { 'example.com/Widget': 'return { status = "Healthy", message = "in a worker" }' },
    });
    expect(await a.assess(widget)).toEqual({ status: H.Healthy, message: 'in a worker' });
  });
});

describe('assessHealth', () => {
  it('uses a shared default assessor, or the one it is given', async () => {
    expect((await assessHealth(fixture('pod-crashloop')))?.status).toBe(H.Degraded);
    expect(await assessHealth(certificate)).toEqual({
      status: H.Healthy,
      message: 'Certificate is up to date',
    });
    const a = assessor({ scripts: { Pod: 'return { status = "Suspended" }' } });
    expect(await assessHealth(fixture('pod-crashloop'), { assessor: a })).toEqual({
      status: H.Suspended,
    });
  });
});

describe('health options', () => {
  function optionError(options: HealthOptions): unknown {
    try {
      createHealthAssessor(options);
    } catch (err) {
      return err;
    }
    return undefined;
  }

  it.each([
    [{ customizationDirs: ['/no/such/dir'] }, 'customizationDirs[0]'],
    [{ lua: { timeoutMs: 0 } }, 'lua.timeoutMs'],
    [{ lua: { timeoutMs: 1.5 } }, 'lua.timeoutMs'],
    [{ lua: { memoryLimitBytes: 1024 } }, 'lua.memoryLimitBytes'],
    [{ lua: { workers: 0 } }, 'lua.workers'],
    [{ lua: { isolation: 'process' as never } }, 'lua.isolation'],
    [{ scripts: { 'not a key!': 'return {}' } }, 'scripts.not a key!'],
  ])('rejects %j naming the option', (options, option) => {
    const err = optionError(options);
    expect(isHealthOptionsError(err)).toBe(true);
    expect(err).toMatchObject({ name: 'HealthOptionsError', option });
  });
});
