import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { run, userCacheDir } from '@flotilla/runtime';
import { resolveTool } from '@flotilla/toolchain';
import { canonicalSet, type Manifest, type ManifestSet } from '../src/index.js';

/** The provisioned helm and kubectl, as a service would resolve them. */
export async function realTools(): Promise<{ helmPath: string; kubectlPath: string }> {
  const cacheDir = userCacheDir(process.env);
  return {
    helmPath: await resolveTool('helm', { cacheDir }),
    kubectlPath: await resolveTool('kubectl', { cacheDir }),
  };
}

/** Runs a tool directly and parses its YAML output independently of the renderer. */
export async function reference(file: string, args: string[], cwd?: string): Promise<ManifestSet> {
  const { stdout } = await run(file, args, cwd ? { cwd } : {});
  const objects = parseAllDocuments(stdout)
    .map((d) => d.toJS() as unknown)
    .filter((v): v is Manifest => typeof v === 'object' && v !== null);
  return canonicalSet(objects).set;
}

/**
 * A stand-in helm that logs every call to `<dir>/calls` and runs the real
 * one, or fails while `<dir>/fail` exists. Proves when helm did (not) run.
 */
export async function spyHelm(
  dir: string,
  realHelm: string,
): Promise<{ path: string; calls: string; fail: string }> {
  const path = join(dir, 'helm-spy');
  const calls = join(dir, 'calls');
  const fail = join(dir, 'fail');
  await writeFile(
    path,
    [
      '#!/bin/sh',
      `echo "$*" >> '${calls}'`,
      `if [ -e '${fail}' ]; then echo "Error: helm was called" >&2; exit 1; fi`,
      `exec '${realHelm}' "$@"`,
      '',
    ].join('\n'),
  );
  await chmod(path, 0o755);
  return { path, calls, fail };
}

/** Names of objects as kind/name, for readable assertions. */
export function names(set: { objects: readonly Manifest[] }): string[] {
  return set.objects.map(
    (o) => `${String(o['kind'])}/${String((o['metadata'] as { name?: string }).name ?? '')}`,
  );
}

/** The annotations of the object of `kind` and `name`. */
export function annotations(
  set: { objects: readonly Manifest[] },
  kind: string,
  name: string,
): Record<string, string> {
  const obj = set.objects.find(
    (o) =>
      o['kind'] === kind &&
      (o['metadata'] as { name?: string; generateName?: string }).name === name,
  );
  return (obj?.['metadata'] as { annotations?: Record<string, string> })?.annotations ?? {};
}
