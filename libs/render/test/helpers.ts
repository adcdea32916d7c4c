import { compatDir } from '@flotilla/testing';
import { chmod, cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';

const made: string[] = [];

/** A fresh temp dir, removed after the test. */
export async function tempDir(prefix = 'render-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Writes `files` (path → content) under `root`; a `{ symlink }` value makes a link. */
export async function writeTree(
  root: string,
  files: Record<string, string | { symlink: string }>,
): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    await mkdir(dirname(full), { recursive: true });
    if (typeof content === 'string') await writeFile(full, content);
    else await symlink(content.symlink, full);
  }
  return root;
}

/** The argocd-example-apps compat suite, read only. */
export const COMPAT = compatDir();

/** A writable copy of the compat suite (or one app of it) in a fresh temp dir. */
export async function compatCopy(): Promise<string> {
  const dir = await tempDir('render-compat-');
  const repo = join(dir, 'repo');
  await cp(COMPAT, repo, { recursive: true });
  await chmodTree(repo);
  return repo;
}

async function chmodTree(dir: string): Promise<void> {
  const { readdir } = await import('node:fs/promises');
  await chmod(dir, 0o755);
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await chmodTree(p);
    else await chmod(p, 0o644);
  }
}

/** A ConfigMap manifest as YAML. */
export function configMap(
  name: string,
  data: Record<string, string> = {},
  namespace?: string,
): string {
  const ns = namespace ? `  namespace: ${namespace}\n` : '';
  const body = Object.entries(data)
    .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}\n`)
    .join('');
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${ns}data:\n${body || '  {}\n'}`;
}
