import { readFile, realpath, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApplicationSourceHelm } from '@flotilla/api';
import { canonicalJson, sha256 } from './canonical.js';
import { envsubst, type BuildEnv } from './envsubst.js';
import { RenderError } from './errors.js';
import { checkParameterName, type HelmSetting } from './helm-args.js';
import { resolveRepoFile } from './paths.js';
import { parseYamlStream } from './yaml.js';

/** Where a source's Helm value files are looked up. */
export interface ValueFileScope {
  /** Real path of the source's checkout. */
  readonly root: string;
  /** Real path of the chart; relative value files start here. */
  readonly chartDir: string;
  /** Checkouts of `ref` sources by ref name, with or without the `$`. */
  readonly refSources: Readonly<Record<string, string>>;
  readonly env: BuildEnv;
}

/** A value file found (or not) on disk. */
export interface LocatedFile {
  /** Real path, or undefined when the file does not exist. */
  readonly path: string | undefined;
  /** The name as the source wrote it, for messages. */
  readonly name: string;
}

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

function refDir(scope: ValueFileScope, ref: string): string | undefined {
  return scope.refSources[ref] ?? scope.refSources[ref.replace(/^\$/, '')];
}

/**
 * Finds a value file as Argo CD does: `$ref/path` inside the checkout of the
 * source with that `ref`, an absolute path from the repository root, anything
 * else from the chart. Nothing may leave its checkout (CVE-2022-24348), and
 * remote (URL) value files are not fetched.
 */
export async function locateValueFile(raw: string, scope: ValueFileScope): Promise<LocatedFile> {
  if (URL_SCHEME.test(raw)) {
    throw new RenderError(
      'Unsupported',
      `value file ${JSON.stringify(raw)} is a URL; remote value files are not fetched`,
    );
  }
  if (raw.startsWith('$')) {
    const ref = raw.split('/')[0]!;
    const dir = refDir(scope, ref);
    if (dir === undefined) {
      throw new RenderError(
        'InvalidSource',
        `value file ${JSON.stringify(raw)} names ${ref}, but no source of the application has ref ${JSON.stringify(ref.slice(1))}`,
      );
    }
    const refRoot = await realpath(dir);
    const rest = envsubst(raw.slice(ref.length), scope.env) || '/';
    return { name: raw, path: await resolveRepoFile(refRoot, refRoot, rest, 'value file') };
  }
  const requested = envsubst(raw, scope.env);
  return {
    name: raw,
    path: await resolveRepoFile(scope.root, scope.chartDir, requested, 'value file'),
  };
}

/** What `helm template` reads, prepared as files this render owns. */
export interface HelmInputs {
  readonly valueFiles: string[];
  readonly inlineValuesFile?: string;
  readonly setFile: HelmSetting[];
  readonly warnings: string[];
}

/** Limits and the private directory for {@link prepareHelmInputs}. */
export interface HelmInputLimits {
  readonly workDir: string;
  readonly maxBytes: number;
  readonly maxAliasCount: number;
}

async function readChecked(path: string, name: string, limits: HelmInputLimits): Promise<string> {
  if ((await stat(path)).size > limits.maxBytes) {
    throw new RenderError('TooLarge', `${name} is larger than ${limits.maxBytes} bytes`, {
      file: name,
    });
  }
  return readFile(path, 'utf8');
}

function checkYaml(text: string, name: string, limits: HelmInputLimits): void {
  const { error } = parseYamlStream(text, name, limits.maxAliasCount);
  if (error) throw error;
}

/**
 * Copies every value file and `--set-file` file into the render's private
 * directory after checking where it lives and that it parses, and writes
 * `values`/`valuesObject` to a file of its own. Helm then reads only files
 * named by this render: a comma in a repository path cannot make Helm read a
 * second file, and a symlink swapped after the check is never followed.
 */
export async function prepareHelmInputs(
  helm: ApplicationSourceHelm | undefined,
  scope: ValueFileScope,
  limits: HelmInputLimits,
): Promise<HelmInputs> {
  const warnings: string[] = [];
  const valueFiles: string[] = [];
  for (const [i, raw] of (helm?.valueFiles ?? []).entries()) {
    const found = await locateValueFile(raw, scope);
    if (found.path === undefined) {
      if (helm?.ignoreMissingValueFiles) {
        warnings.push(`value file ${JSON.stringify(raw)} does not exist; skipped`);
        continue;
      }
      throw new RenderError(
        'MissingValueFile',
        `value file ${JSON.stringify(raw)} does not exist`,
        {
          file: raw,
        },
      );
    }
    const text = await readChecked(found.path, raw, limits);
    checkYaml(text, raw, limits);
    const copy = join(limits.workDir, `values-${i}.yaml`);
    await writeFile(copy, text, { mode: 0o600 });
    valueFiles.push(copy);
  }
  let inlineValuesFile: string | undefined;
  const hasObject = helm?.valuesObject !== undefined && helm.valuesObject !== null;
  const inline = hasObject ? JSON.stringify(helm.valuesObject) : (helm?.values ?? '');
  if (hasObject && helm?.values)
    warnings.push('helm.values is ignored because helm.valuesObject is set');
  if (inline.trim() !== '') {
    if (Buffer.byteLength(inline) > limits.maxBytes) {
      throw new RenderError('TooLarge', `helm values are larger than ${limits.maxBytes} bytes`);
    }
    checkYaml(inline, hasObject ? 'helm.valuesObject' : 'helm.values', limits);
    inlineValuesFile = join(limits.workDir, 'values-inline.yaml');
    await writeFile(inlineValuesFile, inline, { mode: 0o600 });
  }
  const setFile: HelmSetting[] = [];
  for (const [i, p] of (helm?.fileParameters ?? []).entries()) {
    const name = checkParameterName(p.name, 'helm.fileParameters');
    const raw = p.path ?? '';
    const found = await locateValueFile(raw, scope);
    if (found.path === undefined) {
      throw new RenderError(
        'MissingValueFile',
        `file parameter ${name}: ${JSON.stringify(raw)} does not exist`,
        {
          file: raw,
        },
      );
    }
    const copy = join(limits.workDir, `file-parameter-${i}`);
    await writeFile(copy, await readChecked(found.path, raw, limits), { mode: 0o600 });
    setFile.push({ name, value: copy });
  }
  return { valueFiles, ...(inlineValuesFile ? { inlineValuesFile } : {}), setFile, warnings };
}

/**
 * A digest of the `$ref/...` value files' contents, for the cache key: the
 * referenced checkouts have commits of their own that the key would not see.
 */
export async function refValueFilesDigest(
  helm: ApplicationSourceHelm | undefined,
  scope: ValueFileScope,
): Promise<string | undefined> {
  const refs = (helm?.valueFiles ?? []).filter((f) => f.startsWith('$'));
  if (refs.length === 0) return undefined;
  const digests: string[] = [];
  for (const raw of refs) {
    const found = await locateValueFile(raw, scope);
    digests.push(found.path ? sha256(await readFile(found.path, 'utf8')) : 'missing');
  }
  return sha256(canonicalJson(digests));
}
