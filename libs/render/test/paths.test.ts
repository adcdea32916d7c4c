import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRenderError } from '../src/index.js';
import { checkSymlinks, resolveAppDir } from '../src/paths.js';
import { tempDir, writeTree } from './helpers.js';

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('app paths stay inside their checkout', () => {
  it.each(['../..', '../other', 'apps/../../x', '/etc', '/'])('refuses %s', async (path) => {
    const root = await tempDir();
    await writeTree(root, { 'apps/x/cm.yaml': 'a: 1' });
    expect(isRenderError(await rejection(resolveAppDir(root, path)), 'PathEscape')).toBe(true);
  });

  it('refuses a symlinked app directory that leads outside', async () => {
    const outside = await tempDir();
    const root = await tempDir();
    await writeTree(root, { 'apps/link': { symlink: outside } });
    const err = await rejection(resolveAppDir(root, 'apps/link'));
    expect(isRenderError(err, 'PathEscape')).toBe(true);
  });

  it('resolves ordinary, dotted and symlinked-inside paths', async () => {
    const root = await tempDir();
    await writeTree(root, { 'apps/x/cm.yaml': 'a: 1', alias: { symlink: 'apps/x' } });
    expect((await resolveAppDir(root, 'apps/./x/')).path).toBe('apps/x');
    expect((await resolveAppDir(root, 'alias')).path).toBe('apps/x');
    expect((await resolveAppDir(root, '')).path).toBe('.');
    expect(isRenderError(await rejection(resolveAppDir(root, 'apps/y')), 'PathNotFound')).toBe(
      true,
    );
    expect(
      isRenderError(await rejection(resolveAppDir(root, 'apps/x/cm.yaml')), 'PathNotFound'),
    ).toBe(true);
  });

  it('finds a symlink anywhere in the tree that leads outside, ignoring dangling ones and .git', async () => {
    const root = await tempDir();
    await writeTree(root, {
      'a/b/ok': { symlink: '../../c' },
      'a/dangling': { symlink: 'nowhere' },
      '.git/hooks/x': { symlink: '/etc/passwd' },
      c: 'x',
    });
    await checkSymlinks(root, root);
    await writeTree(root, { 'a/b/c/leak': { symlink: '/etc/passwd' } });
    const err = await rejection(checkSymlinks(root, root));
    expect(isRenderError(err, 'PathEscape')).toBe(true);
    expect((err as { file: string }).file).toBe(join('a/b/c/leak'));
  });
});
