import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRenderError } from '../src/index.js';
import { locateValueFile, prepareHelmInputs, type ValueFileScope } from '../src/helm-values.js';
import { tempDir, writeTree } from './helpers.js';

async function setup() {
  const top = await tempDir();
  const root = join(top, 'repo');
  const refs = join(top, 'refs');
  await writeTree(root, {
    'charts/app/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\n',
    'charts/app/values-prod.yaml': 'replicas: 3\n',
    'envs/prod.yaml': 'env: prod\n',
    'a,b/values.yaml': 'comma: true\n',
    'charts/app/out.yaml': { symlink: join(top, 'secret.yaml') },
  });
  await writeTree(top, { 'secret.yaml': 'password: hunter2\n' });
  await writeTree(refs, { 'prod/values.yaml': 'fromRef: true\n' });
  const scope: ValueFileScope = {
    root,
    chartDir: join(root, 'charts/app'),
    refSources: { values: refs },
    env: { ARGOCD_APP_NAME: 'app' },
  };
  const work = await tempDir();
  return {
    root,
    refs,
    scope,
    limits: { workDir: work, maxBytes: 1024 * 1024, maxAliasCount: 100 },
  };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('where value files are looked up', () => {
  it('finds files relative to the chart, absolute ones from the repository root, $ref ones in the ref source', async () => {
    const { root, refs, scope } = await setup();
    expect((await locateValueFile('values-prod.yaml', scope)).path).toBe(
      join(root, 'charts/app/values-prod.yaml'),
    );
    expect((await locateValueFile('../../envs/prod.yaml', scope)).path).toBe(
      join(root, 'envs/prod.yaml'),
    );
    expect((await locateValueFile('/envs/prod.yaml', scope)).path).toBe(
      join(root, 'envs/prod.yaml'),
    );
    expect((await locateValueFile('$values/prod/values.yaml', scope)).path).toBe(
      join(refs, 'prod/values.yaml'),
    );
    expect((await locateValueFile('missing.yaml', scope)).path).toBeUndefined();
  });

  it.each([
    '../../../etc/passwd',
    '../../../secret.yaml',
    'out.yaml',
    '$values/../repo/envs/prod.yaml',
    '/../../etc/passwd',
  ])('refuses %s (CVE-2022-24348)', async (raw) => {
    const { scope } = await setup();
    const err = await rejection(locateValueFile(raw, scope));
    expect(isRenderError(err, 'PathEscape')).toBe(true);
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('refuses remote value files and unknown refs', async () => {
    const { scope } = await setup();
    const remote = await rejection(locateValueFile('https://user:pw@example.com/v.yaml', scope));
    expect(isRenderError(remote, 'Unsupported')).toBe(true);
    expect((remote as Error).message).not.toContain('pw@');
    expect(
      isRenderError(await rejection(locateValueFile('$other/v.yaml', scope)), 'InvalidSource'),
    ).toBe(true);
  });
});

describe('preparing what helm reads', () => {
  it('copies value files, then writes values after them', async () => {
    const { scope, limits } = await setup();
    const inputs = await prepareHelmInputs(
      { valueFiles: ['values-prod.yaml', '/a,b/values.yaml'], values: 'fromValues: 1\n' },
      scope,
      limits,
    );
    expect(inputs.valueFiles.map((f) => basename(f))).toEqual(['values-0.yaml', 'values-1.yaml']);
    // A comma in a repository path never reaches helm, which splits --values on commas.
    expect(inputs.valueFiles.every((f) => !f.includes(','))).toBe(true);
    expect(await readFile(inputs.valueFiles[1]!, 'utf8')).toBe('comma: true\n');
    expect(await readFile(inputs.inlineValuesFile!, 'utf8')).toBe('fromValues: 1\n');
  });

  it('uses valuesObject instead of values, as Argo CD does', async () => {
    const { scope, limits } = await setup();
    const inputs = await prepareHelmInputs(
      { values: 'a: 1\n', valuesObject: { b: 2 } },
      scope,
      limits,
    );
    expect(JSON.parse(await readFile(inputs.inlineValuesFile!, 'utf8'))).toEqual({ b: 2 });
    expect(inputs.warnings).toEqual(['helm.values is ignored because helm.valuesObject is set']);
  });

  it('fails on a missing value file unless told to ignore it', async () => {
    const { scope, limits } = await setup();
    const err = await rejection(prepareHelmInputs({ valueFiles: ['nope.yaml'] }, scope, limits));
    expect(isRenderError(err, 'MissingValueFile')).toBe(true);
    const inputs = await prepareHelmInputs(
      { valueFiles: ['nope.yaml'], ignoreMissingValueFiles: true },
      scope,
      limits,
    );
    expect(inputs.valueFiles).toEqual([]);
    expect(inputs.warnings).toEqual(['value file "nope.yaml" does not exist; skipped']);
  });

  it('reports invalid YAML in values with its line', async () => {
    const { scope, limits } = await setup();
    const err = await rejection(prepareHelmInputs({ values: 'a: 1\nb: [\n' }, scope, limits));
    expect(isRenderError(err, 'InvalidYAML')).toBe(true);
    expect((err as Error).message).toMatch(/^helm\.values:\d+: /);
  });

  it('copies --set-file files and checks their names', async () => {
    const { scope, limits } = await setup();
    const inputs = await prepareHelmInputs(
      { fileParameters: [{ name: 'cfg', path: '../../envs/prod.yaml' }] },
      scope,
      limits,
    );
    expect(inputs.setFile).toHaveLength(1);
    expect(await readFile(inputs.setFile[0]!.value, 'utf8')).toBe('env: prod\n');
    const err = await rejection(
      prepareHelmInputs(
        { fileParameters: [{ name: '--post-renderer', path: 'x' }] },
        scope,
        limits,
      ),
    );
    expect(isRenderError(err, 'InvalidSource')).toBe(true);
    const escape = await rejection(
      prepareHelmInputs(
        { fileParameters: [{ name: 'x', path: '/../../../etc/passwd' }] },
        scope,
        limits,
      ),
    );
    expect(isRenderError(escape, 'PathEscape')).toBe(true);
  });
});
