import { readdir } from 'node:fs/promises';
import { RenderError } from './errors.js';
import type { RenderSource, SourceType } from './types.js';

/** File names that make a directory a kustomization, as kustomize and Argo CD know them. */
export const KUSTOMIZATION_FILES: readonly string[] = [
  'kustomization.yaml',
  'kustomization.yml',
  'Kustomization',
];

// An option block counts only when something in it is set: Argo CD drops
// empty `helm: {}` blocks before looking at the source, so they do not force
// a type.
function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.values(value).some(isSet);
  return true;
}

/**
 * The type the source names itself: its one non-empty helm, kustomize or
 * directory block, or Helm for a Helm repository chart. Undefined when the
 * files must decide. Two blocks at once is an `InvalidSource` error.
 */
export function explicitSourceType(source: RenderSource): SourceType | undefined {
  const named: SourceType[] = [];
  if (isSet(source.helm)) named.push('Helm');
  if (isSet(source.kustomize)) named.push('Kustomize');
  if (isSet(source.directory)) named.push('Directory');
  if (named.length > 1) {
    throw new RenderError(
      'InvalidSource',
      `the source sets more than one of helm, kustomize and directory (${named.join(', ')})`,
    );
  }
  if (source.chart) {
    if (named[0] !== undefined && named[0] !== 'Helm') {
      throw new RenderError('InvalidSource', `a Helm chart source cannot set ${named[0]} options`);
    }
    return 'Helm';
  }
  return named[0];
}

/**
 * The type of a source's directory by its files, as Argo CD's discovery does:
 * files are visited in byte order and the last one that names a type wins,
 * so `kustomization.yaml` beats `Chart.yaml`. A name ending in `Chart.yaml`
 * means Helm; a kustomization file means Kustomize; anything else is a
 * directory of manifests.
 */
export function detectFromFiles(fileNames: readonly string[]): SourceType {
  let type: SourceType = 'Directory';
  for (const name of [...fileNames].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (name.endsWith('Chart.yaml')) type = 'Helm';
    if (KUSTOMIZATION_FILES.includes(name)) type = 'Kustomize';
  }
  return type;
}

/** The source's type: the explicit one if set, otherwise what the files in `appDir` say. */
export async function detectSourceType(source: RenderSource, appDir: string): Promise<SourceType> {
  const explicit = explicitSourceType(source);
  if (explicit) return explicit;
  const entries = await readdir(appDir, { withFileTypes: true });
  return detectFromFiles(entries.filter((e) => !e.isDirectory()).map((e) => e.name));
}

/**
 * True for a source that only lends its files to others through `ref`
 * (`$ref/...` value files) and renders nothing itself: a `ref` with no path
 * and no chart. Multi-source callers skip rendering such sources.
 */
export function isRefOnlySource(source: RenderSource): boolean {
  return Boolean(source.ref) && !source.path && !source.chart;
}
