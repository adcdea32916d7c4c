import { chmod, cp, lstat, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { RenderError } from './errors.js';
import { checkKustomizeTree, findKustomization, type KustomizeReach } from './kustomize-check.js';
import { editKustomization, hasKustomizeEdits } from './kustomize-edit.js';
import { toManifests } from './objects.js';
import { exists, isInside, repoRelative } from './paths.js';
import type { SourceRender, SourceRenderContext } from './render-context.js';
import { warningLines } from './sanitize.js';
import { runTool } from './tools.js';
import { parseYamlStream } from './yaml.js';

// A copy keeps read-only modes (a read-only checkout stays read-only); the
// render must be able to edit the kustomization and remove the copy after.
async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, ((await stat(dir)).mode & 0o777) | 0o700);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await makeWritable(join(dir, entry.name));
  }
}

// Paths that hold the others are kept; those below one of them go.
function outermost(paths: readonly string[]): string[] {
  const sorted = [...new Set(paths)].sort();
  return sorted.filter((p, i) => !sorted.slice(0, i).some((q) => isInside(q, p)));
}

async function holdsSymlink(path: string): Promise<boolean> {
  const info = await lstat(path);
  if (info.isSymbolicLink()) return true;
  if (!info.isDirectory()) return false;
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  return entries.some((e) => e.isSymbolicLink());
}

/**
 * What an edited copy must hold, relative to the repository: the
 * kustomization's directory and every local base, resource and component it
 * reaches, each with what is below it (kustomize reads files only there).
 * The whole repository when a symlink or `LoadRestrictionsNone` could lead
 * kustomize anywhere else in it.
 */
async function copySet(ctx: SourceRenderContext, reach: KustomizeReach): Promise<string[]> {
  const { app, options } = ctx;
  if (options.kustomizeArgs.some((a) => a.includes('LoadRestrictionsNone'))) return ['.'];
  const paths = outermost([...reach.dirs, ...reach.files]);
  for (const p of paths) if (await holdsSymlink(p)) return ['.'];
  return paths.map((p) => relative(app.root, p) || '.');
}

/**
 * Copies what the kustomization reads (never `.git`) into the render's
 * private directory, at the same relative paths, and applies the
 * Application's Kustomize options to the copy's kustomization, the way
 * Argo CD edits its working copy. The tree rendered from is shared by every
 * render of its commit and is never written.
 */
async function editedCopy(
  ctx: SourceRenderContext,
  reach: KustomizeReach,
  warnings: string[],
): Promise<string> {
  const { app, workDir, request } = ctx;
  const copyRoot = join(workDir, 'repo');
  await mkdir(copyRoot);
  for (const rel of await copySet(ctx, reach)) {
    await cp(join(app.root, rel), join(copyRoot, rel), {
      recursive: true,
      verbatimSymlinks: true,
      filter: (src) => basename(src) !== '.git',
    });
  }
  await makeWritable(copyRoot);
  const dir = join(copyRoot, relative(app.root, app.dir));
  const file = await findKustomization(dir);
  if (!file) {
    throw new RenderError(
      'KustomizeError',
      `${app.path} has no kustomization.yaml to apply the Kustomize options to`,
    );
  }
  const opts = request.source.kustomize ?? {};
  const components: string[] = [];
  for (const c of opts.components ?? []) {
    if (opts.ignoreMissingComponents && !(await exists(resolve(dir, c)))) {
      warnings.push(`component ${JSON.stringify(c)} does not exist; skipped`);
    } else {
      components.push(c);
    }
  }
  let edited: string;
  try {
    edited = editKustomization(await readFile(file, 'utf8'), opts, ctx.env, components);
  } catch (err) {
    if (err instanceof RenderError) throw err;
    throw new RenderError(
      'KustomizeError',
      `${repoRelative(copyRoot, file)}: ${(err as Error).message}`,
    );
  }
  await chmod(file, 0o600);
  await writeFile(file, edited);
  return dir;
}

/**
 * Renders a kustomization with `kubectl kustomize`, after refusing symlinks
 * and bases that leave the repository. Application options (name prefix and
 * suffix, images, labels, annotations, namespace, replicas, patches,
 * components) are applied to a private copy of what the kustomization reads.
 */
export async function renderKustomize(ctx: SourceRenderContext): Promise<SourceRender> {
  const { options, request, app, workDir } = ctx;
  await ctx.checkTree();
  const reach = await checkKustomizeTree(app.root, app.dir, options.maxAliasCount);
  const warnings: string[] = [];
  const dir = hasKustomizeEdits(request.source.kustomize)
    ? await editedCopy(ctx, reach, warnings)
    : app.dir;
  const result = await runTool({
    tool: 'kubectl',
    path: options.kubectlPath,
    args: ['kustomize', dir, ...options.kustomizeArgs],
    cwd: dir,
    env: ctx.toolEnv,
    timeoutMs: options.timeoutMs,
    maxOutputBytes: options.maxOutputBytes,
    ...(request.signal ? { signal: request.signal } : {}),
    failure: 'KustomizeError',
    dirs: { '<repo>': join(workDir, 'repo'), '<render>': workDir, '<checkout>': app.root },
    what: 'kustomize build',
  });
  const { documents, error } = parseYamlStream(
    result.stdout,
    'kustomize output',
    options.maxAliasCount,
  );
  if (error) throw error;
  return {
    objects: toManifests(documents, 'kustomize output'),
    warnings: [...warnings, ...warningLines(result.stderr)],
  };
}
