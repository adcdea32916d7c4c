import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { KUSTOMIZATION_FILES } from './detect.js';
import { RenderError } from './errors.js';
import { exists, isInside, repoRelative } from './paths.js';
import { parseYamlStream } from './yaml.js';

/** The kustomization file of `dir`, if it has one. */
export async function findKustomization(dir: string): Promise<string | undefined> {
  for (const name of KUSTOMIZATION_FILES) {
    const file = join(dir, name);
    if (await exists(file)) return file;
  }
  return undefined;
}

const DIR_FIELDS = ['resources', 'bases', 'components'] as const;

/** What a kustomization reaches inside the repository. */
export interface KustomizeReach {
  /** Directories of the kustomization and of every local base, resource and component. */
  readonly dirs: string[];
  /** Files named directly as resources. */
  readonly files: string[];
}

/**
 * Follows a kustomization's local `resources`, `bases` and `components`
 * (and theirs, recursively) and refuses any that leaves the repository.
 * kustomize itself confines files to a kustomization's root, but lets
 * directories come from anywhere on disk, which would read other checkouts
 * on the same host. Remote bases (URLs) stay inside lexically and pass.
 * Returns what it reached, so an edited copy can hold just that.
 */
export async function checkKustomizeTree(
  root: string,
  dir: string,
  maxAliasCount: number,
): Promise<KustomizeReach> {
  const seen = new Set<string>();
  const files: string[] = [];
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    if (seen.has(current)) continue;
    seen.add(current);
    const file = await findKustomization(current);
    if (!file) continue;
    const name = repoRelative(root, file);
    const { documents, error } = parseYamlStream(await readFile(file, 'utf8'), name, maxAliasCount);
    if (error) throw error;
    const k = documents[0]?.value;
    if (typeof k !== 'object' || k === null) continue;
    for (const field of DIR_FIELDS) {
      const entries = (k as Record<string, unknown>)[field];
      if (!Array.isArray(entries)) continue;
      for (const entry of entries) {
        if (typeof entry !== 'string') continue;
        const target = resolve(current, entry);
        if (!isInside(root, target)) {
          throw new RenderError(
            'PathEscape',
            `${name}: ${field} entry ${JSON.stringify(entry)} is outside the repository`,
            { file: name },
          );
        }
        const info = await stat(target).catch(() => undefined);
        if (info?.isDirectory()) pending.push(target);
        else if (info?.isFile()) files.push(target);
      }
    }
  }
  return { dirs: [...seen], files };
}
