import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RenderError } from './errors.js';
import { compilePathFilter, type PathFilter } from './glob.js';
import { isKubernetesObject, toManifests } from './objects.js';
import { isInside, repoRelative, type AppDir } from './paths.js';
import type { SourceRender, SourceRenderContext } from './render-context.js';
import type { Manifest } from './types.js';
import { parseJsonFile, parseYamlStream } from './yaml.js';

const MANIFEST_FILE = /\.(yaml|yml|json|jsonnet)$/;

/** A manifest file chosen for reading. */
export interface ManifestFile {
  /** Real path (symlinks followed, checked to be inside the repository). */
  readonly path: string;
  /** Path relative to the app directory, `/`-separated. */
  readonly rel: string;
}

interface Walk {
  readonly app: AppDir;
  readonly recurse: boolean;
  readonly filter: PathFilter;
  readonly maxBytes: number;
  readonly files: ManifestFile[];
  readonly warnings: string[];
  bytes: number;
}

async function visitFile(w: Walk, full: string, name: string): Promise<void> {
  if (!MANIFEST_FILE.test(name)) return;
  const rel = repoRelative(w.app.dir, full);
  let real: string;
  try {
    real = await realpath(full);
  } catch {
    w.warnings.push(`${rel}: symlink target is missing; skipped`);
    return;
  }
  if (!isInside(w.app.root, real)) {
    throw new RenderError('PathEscape', `${rel} is a symlink to a file outside the repository`, {
      file: rel,
    });
  }
  const info = await stat(real);
  if (!info.isFile()) {
    w.warnings.push(`${rel} is not a regular file; skipped`);
    return;
  }
  if (!w.filter(rel)) return;
  if (name.endsWith('.jsonnet')) {
    throw new RenderError('Unsupported', `${rel}: Jsonnet is not supported`, { file: rel });
  }
  w.bytes += info.size;
  if (w.bytes > w.maxBytes) {
    throw new RenderError(
      'TooLarge',
      `the manifests under ${w.app.path} are larger than ${w.maxBytes} bytes`,
    );
  }
  w.files.push({ path: real, rel });
}

async function walk(w: Walk, dir: string): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (w.recurse && entry.name !== '.git') await walk(w, full);
    } else {
      await visitFile(w, full, entry.name);
    }
  }
}

/**
 * The manifest files of a directory source, in Argo CD's order (lexical,
 * depth first): `.yaml`, `.yml` and `.json` files, from subdirectories too
 * when `recurse` is set, filtered by `include`/`exclude`. Every file's real
 * path must be inside the repository; together they must fit `maxBytes`.
 */
export async function listManifestFiles(
  app: AppDir,
  directory: { recurse?: boolean; include?: string; exclude?: string } | undefined,
  maxBytes: number,
): Promise<{ files: ManifestFile[]; warnings: string[] }> {
  const w: Walk = {
    app,
    recurse: directory?.recurse ?? false,
    filter: compilePathFilter(directory?.include, directory?.exclude),
    maxBytes,
    files: [],
    warnings: [],
    bytes: 0,
  };
  await walk(w, app.dir);
  return { files: w.files, warnings: w.warnings };
}

/**
 * The objects of one manifest file. As in Argo CD, a YAML file that holds no
 * Kubernetes object and does not look like one (no `apiVersion:`, `kind:`
 * and `metadata:`) is not a manifest and yields nothing; any other bad
 * document is an error naming the file and line.
 */
export function readManifestFile(
  text: string,
  file: string,
  maxAliasCount: number,
): Manifest[] | undefined {
  if (file.endsWith('.json')) {
    const { documents, error } = parseJsonFile(text, file);
    if (error) throw error;
    return toManifests(documents, file);
  }
  const { documents, error } = parseYamlStream(text, file, maxAliasCount);
  const firstBad = documents.findIndex((d) => !isKubernetesObject(d.value));
  const good = firstBad < 0 ? documents : documents.slice(0, firstBad);
  if (!error && firstBad < 0) return toManifests(good, file);
  const looksLikeManifest = ['apiVersion:', 'kind:', 'metadata:'].every((s) => text.includes(s));
  if (good.length === 0 && !looksLikeManifest && error?.code !== 'TooLarge') return undefined;
  if (firstBad >= 0) return toManifests(documents.slice(0, firstBad + 1), file);
  throw error;
}

/** Renders a directory of plain YAML and JSON manifests. */
export async function renderDirectory(
  ctx: Pick<SourceRenderContext, 'options' | 'request' | 'app'>,
): Promise<SourceRender> {
  const { app, options, request } = ctx;
  const { files, warnings } = await listManifestFiles(
    app,
    request.source.directory,
    options.maxOutputBytes,
  );
  const objects: Manifest[] = [];
  for (const f of files) {
    const name = repoRelative(app.root, join(app.dir, f.rel));
    const found = readManifestFile(await readFile(f.path, 'utf8'), name, options.maxAliasCount);
    if (found === undefined) {
      options.logger.debug({ file: name }, 'not a Kubernetes manifest; skipped');
      continue;
    }
    objects.push(...found);
  }
  return { objects, warnings };
}
