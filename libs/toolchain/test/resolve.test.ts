import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveTool, toolsDir, ToolNotFoundError } from '../src/index.js';

async function fakeBinary(path: string) {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, '#!/bin/sh\n');
  await chmod(path, 0o755);
}

describe('resolveTool', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'flotilla-resolve-'));
  });

  it('prefers an explicit override', async () => {
    const override = join(root, 'custom', 'helm');
    await fakeBinary(override);
    const cacheDir = join(root, 'cache-a');
    await fakeBinary(join(toolsDir(cacheDir), 'helm', 'helm'));
    expect(await resolveTool('helm', { cacheDir, overrides: { helm: override } })).toBe(override);
  });

  it('uses the provisioned cache before PATH', async () => {
    const cacheDir = join(root, 'cache-b');
    const cached = join(toolsDir(cacheDir), 'kubectl', 'kubectl');
    await fakeBinary(cached);
    await fakeBinary(join(root, 'path-b', 'kubectl'));
    expect(await resolveTool('kubectl', { cacheDir, path: join(root, 'path-b') })).toBe(cached);
  });

  it('falls back to PATH', async () => {
    await fakeBinary(join(root, 'path-c', 'helm'));
    expect(
      await resolveTool('helm', {
        cacheDir: join(root, 'cache-c'),
        path: `/nonexistent:${join(root, 'path-c')}`,
      }),
    ).toBe(join(root, 'path-c', 'helm'));
  });

  it('says where it looked and how to fix it', async () => {
    const err = await resolveTool('helm', { cacheDir: join(root, 'cache-d'), path: '' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ToolNotFoundError);
    expect((err as Error).message).toContain('npx flotilla dev provision');
  });

  it('rejects an override that is not executable', async () => {
    await expect(
      resolveTool('helm', { cacheDir: root, overrides: { helm: join(root, 'nope') } }),
    ).rejects.toThrow(/not executable/);
  });
});
