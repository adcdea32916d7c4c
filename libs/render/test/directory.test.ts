import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRenderError, listManifestFiles, readManifestFile } from '../src/index.js';
import { resolveAppDir } from '../src/paths.js';
import { configMap, tempDir, writeTree } from './helpers.js';

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

async function app(files: Parameters<typeof writeTree>[1]) {
  const root = await tempDir();
  await writeTree(root, files);
  return resolveAppDir(root, 'app');
}

describe('choosing the files of a directory source', () => {
  const files = {
    'app/a.yaml': configMap('a'),
    'app/b.yml': configMap('b'),
    'app/c.json': '{}',
    'app/README.md': '# no',
    'app/sub/d.yaml': configMap('d'),
    'app/sub/deeper/e.yaml': configMap('e'),
    'app/.git/config.yaml': 'x: 1',
  };

  it('takes .yaml, .yml and .json files, and only the top level unless recursing', async () => {
    const a = await app(files);
    expect((await listManifestFiles(a, undefined, 1e6)).files.map((f) => f.rel)).toEqual([
      'a.yaml',
      'b.yml',
      'c.json',
    ]);
    expect((await listManifestFiles(a, { recurse: true }, 1e6)).files.map((f) => f.rel)).toEqual([
      'a.yaml',
      'b.yml',
      'c.json',
      'sub/d.yaml',
      'sub/deeper/e.yaml',
    ]);
  });

  it('applies include and exclude to paths relative to the app path', async () => {
    const a = await app(files);
    const pick = async (include?: string, exclude?: string) =>
      (await listManifestFiles(a, { recurse: true, include, exclude }, 1e6)).files.map(
        (f) => f.rel,
      );
    expect(await pick('{a.yaml,sub/*}')).toEqual(['a.yaml', 'sub/d.yaml', 'sub/deeper/e.yaml']);
    expect(await pick(undefined, 'sub/deeper/*')).toEqual([
      'a.yaml',
      'b.yml',
      'c.json',
      'sub/d.yaml',
    ]);
    expect(await pick('*.yaml', 'sub/*')).toEqual(['a.yaml']);
  });

  it('refuses a symlink to a file outside the repository, even an excluded one', async () => {
    const outside = await tempDir();
    await writeTree(outside, { 'secret.yaml': configMap('s') });
    const a = await app({
      'app/a.yaml': configMap('a'),
      'app/leak.yaml': { symlink: join(outside, 'secret.yaml') },
    });
    const err = await rejection(listManifestFiles(a, { exclude: 'leak.yaml' }, 1e6));
    expect(isRenderError(err, 'PathEscape')).toBe(true);
    expect((err as Error).message).toBe('leak.yaml is a symlink to a file outside the repository');
  });

  it('follows a symlink inside the repository and skips a dangling one', async () => {
    const a = await app({
      'shared/cm.yaml': configMap('shared'),
      'app/cm.yaml': { symlink: '../shared/cm.yaml' },
      'app/gone.yaml': { symlink: 'nowhere.yaml' },
    });
    const { files: found, warnings } = await listManifestFiles(a, undefined, 1e6);
    expect(found.map((f) => f.rel)).toEqual(['cm.yaml']);
    expect(found[0]!.path).toBe(join(a.root, 'shared/cm.yaml'));
    expect(warnings).toEqual(['gone.yaml: symlink target is missing; skipped']);
  });

  it('refuses Jsonnet and input over the size limit', async () => {
    const a = await app({
      'app/a.jsonnet': '{}',
      'app/big.yaml': configMap('big', { x: 'y'.repeat(2000) }),
    });
    expect(
      isRenderError(await rejection(listManifestFiles(a, undefined, 1e6)), 'Unsupported'),
    ).toBe(true);
    expect(
      isRenderError(
        await rejection(listManifestFiles(a, { exclude: '*.jsonnet' }, 1000)),
        'TooLarge',
      ),
    ).toBe(true);
  });
});

describe('reading a manifest file', () => {
  it('reads every document of a multi-document file and ignores empty ones', () => {
    const objs = readManifestFile(
      `---\n${configMap('a')}---\n---\n${configMap('b')}`,
      'm.yaml',
      100,
    );
    expect(objs?.map((o) => (o['metadata'] as { name: string }).name)).toEqual(['a', 'b']);
  });

  it('skips YAML that is not a Kubernetes manifest, as Argo CD does', () => {
    expect(readManifestFile('replicas: 3\nimage: nginx\n', 'values.yaml', 100)).toBeUndefined();
    expect(readManifestFile('just: [broken\n', 'notes.yaml', 100)).toBeUndefined();
  });

  it('fails on a file that looks like a manifest but is not one, naming file and line', () => {
    const err = thrown(() =>
      readManifestFile(`${configMap('a')}---\napiVersion: v1\nmetadata: {}\n`, 'app/m.yaml', 100),
    );
    expect(isRenderError(err, 'InvalidManifest')).toBe(true);
    expect((err as Error).message).toMatch(
      /^app\/m\.yaml:8: document 2 is not a Kubernetes object/,
    );
  });

  it('fails on invalid YAML in a manifest, naming file and line', () => {
    const err = thrown(() =>
      readManifestFile(
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: {a: [\n',
        'app/bad.yaml',
        100,
      ),
    );
    expect(isRenderError(err, 'InvalidYAML')).toBe(true);
    expect((err as { file: string }).file).toBe('app/bad.yaml');
    expect((err as Error).message).toMatch(/^app\/bad\.yaml:\d+: /);
  });

  it('reads one JSON object per .json file', () => {
    expect(
      readManifestFile(
        JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } }),
        'n.json',
        100,
      ),
    ).toHaveLength(1);
    expect(
      isRenderError(
        thrown(() => readManifestFile('{"a": 1}', 'a.json', 100)),
        'InvalidManifest',
      ),
    ).toBe(true);
    expect(
      isRenderError(
        thrown(() => readManifestFile('{"a": 1}{"b": 2}', 'a.json', 100)),
        'InvalidYAML',
      ),
    ).toBe(true);
  });

  it('expands lists', () => {
    const list =
      'apiVersion: v1\nkind: ConfigMapList\nitems:\n- metadata: {name: a}\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: b}\n';
    expect(
      readManifestFile(list, 'l.yaml', 100)?.map(
        (o) => `${String(o['kind'])}/${(o['metadata'] as { name: string }).name}`,
      ),
    ).toEqual(['ConfigMap/a', 'Secret/b']);
  });

  it('refuses an alias bomb even in a file that is not a manifest', () => {
    const bomb = [
      'a: &a [x,x,x,x,x,x,x,x,x,x]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    ].join('\n');
    expect(
      isRenderError(
        thrown(() => readManifestFile(bomb, 'bomb.yaml', 100)),
        'TooLarge',
      ),
    ).toBe(true);
  });
});
