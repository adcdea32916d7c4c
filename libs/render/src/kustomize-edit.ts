import { isMap, parseDocument, type Document } from 'yaml';
import type { ApplicationSourceKustomize } from '@flotilla/api';
import { canonicalize } from './canonical.js';
import { envsubst, type BuildEnv } from './envsubst.js';
import { RenderError } from './errors.js';

type Image = { name: string; newName?: string; newTag?: string; digest?: string } & Record<
  string,
  unknown
>;

const TAG = /^(.*):([a-zA-Z0-9._-]*|\*)$/;
const KEEP = '*';

function fail(message: string): never {
  throw new RenderError('KustomizeError', message);
}

function parseOverwrite(
  arg: string,
  named: boolean,
): { name: string; tag?: string; digest?: string } {
  const at = arg.split('@');
  if (at.length > 1) return { name: at[0]!, digest: at[1]! };
  const tag = TAG.exec(arg);
  if (tag) return { name: tag[1]!, tag: tag[2]! };
  if (arg !== '' && named) return { name: arg };
  return fail(
    `image ${JSON.stringify(arg)} is invalid; use <image>=<newimage>:<newtag>, <image>=<newimage>@<digest>, <image>=<newimage>, <image>:<newtag> or <image>@<digest>`,
  );
}

/** Parses an image override as `kustomize edit set image` does. */
export function parseImageOverride(arg: string): Image {
  const parts = arg.split('=');
  if (parts.length === 2) {
    const p = parseOverwrite(parts[1]!, true);
    return { name: parts[0]!, newName: p.name, newTag: p.tag, digest: p.digest };
  }
  const p = parseOverwrite(arg, false);
  return { name: p.name, newTag: p.tag, digest: p.digest };
}

function clean<T extends Record<string, unknown>>(obj: T): T {
  return Object.fromEntries(
    Object.entries(obj).filter(([, v]) => v !== undefined && v !== ''),
  ) as T;
}

const byName = (a: { name: string }, b: { name: string }) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

// `*` keeps the kustomization's value for that field, as kustomize does.
function mergeImages(existing: Image[], args: Image[]): Image[] {
  const merged = new Map<string, Image>();
  for (const a of args) merged.set(a.name, a);
  for (const e of existing) {
    const a = merged.get(e.name);
    if (!a) {
      merged.set(e.name, e);
      continue;
    }
    merged.set(e.name, {
      ...a,
      newName: a.newName === KEEP ? e.newName : a.newName,
      newTag: a.newTag === KEEP ? e.newTag : a.newTag,
      digest: a.digest === KEEP ? e.digest : a.digest,
    });
  }
  return [...merged.values()]
    .map((i) =>
      clean({
        ...i,
        newName: i.newName === KEEP ? undefined : i.newName,
        newTag: i.newTag === KEEP ? undefined : i.newTag,
        digest: i.digest === KEEP ? undefined : i.digest,
      }),
    )
    .sort(byName);
}

function replicaCount(name: string, count: number | string): number {
  const n = typeof count === 'number' ? count : /^-?\d+$/.test(count.trim()) ? Number(count) : NaN;
  if (!Number.isInteger(n))
    fail(`replicas for ${JSON.stringify(name)}: ${JSON.stringify(count)} is not an integer`);
  return n;
}

function list<T>(doc: Document, key: string): T[] {
  const v = doc.get(key);
  if (v === undefined || v === null) return [];
  const js = (doc.toJS() as Record<string, unknown>)[key];
  if (!Array.isArray(js)) fail(`${key} in the kustomization is not a list`);
  return js as T[];
}

function addToMap(
  doc: Document,
  key: 'commonLabels' | 'commonAnnotations',
  values: Record<string, string>,
  force: boolean,
): void {
  const what = key === 'commonLabels' ? 'label' : 'annotation';
  for (const [k, v] of Object.entries(values)) {
    if (!force && doc.getIn([key, k]) !== undefined)
      fail(`${what} ${k} already in kustomization file`);
    if (!isMap(doc.get(key))) doc.set(key, doc.createNode({}));
    doc.setIn([key, k], v);
  }
}

/**
 * Applies an Application's Kustomize options to a kustomization's text, as
 * Argo CD does with `kustomize edit` (set nameprefix, namesuffix, image,
 * replicas; add label, annotation; set namespace; patches; add component).
 * Untouched parts keep their formatting. `components` must already be the
 * ones that exist (see `ignoreMissingComponents`).
 */
export function editKustomization(
  text: string,
  opts: ApplicationSourceKustomize,
  env: BuildEnv,
  components: readonly string[] = opts.components ?? [],
): string {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors[0])
    fail(`the kustomization does not parse: ${doc.errors[0].message.split('\n')[0]}`);
  if (doc.contents === null) doc.contents = doc.createNode({}) as never;
  if (!isMap(doc.contents)) fail('the kustomization is not a mapping');
  if (opts.namePrefix) doc.set('namePrefix', opts.namePrefix);
  if (opts.nameSuffix) doc.set('nameSuffix', opts.nameSuffix);
  if (opts.images?.length) {
    const args = opts.images.map((i) => parseImageOverride(envsubst(i, env)));
    doc.set('images', doc.createNode(mergeImages(list<Image>(doc, 'images'), args)));
  }
  if (opts.replicas?.length) {
    const merged = new Map<string, { name: string; count: number }>();
    for (const r of opts.replicas)
      merged.set(r.name, { name: r.name, count: replicaCount(r.name, r.count) });
    for (const r of list<{ name: string; count: number }>(doc, 'replicas')) {
      if (!merged.has(r.name)) merged.set(r.name, r);
    }
    doc.set('replicas', doc.createNode([...merged.values()].sort(byName)));
  }
  const labels = Object.fromEntries(
    Object.entries(opts.commonLabels ?? {}).map(([k, v]) => [k, envsubst(v, env)]),
  );
  if (Object.keys(labels).length > 0) {
    if (opts.labelWithoutSelector) {
      const existing = list<unknown>(doc, 'labels');
      doc.set('labels', doc.createNode([...existing, { pairs: canonicalize(labels) }]));
    } else {
      addToMap(doc, 'commonLabels', labels, opts.forceCommonLabels ?? false);
    }
  }
  const annotations = Object.fromEntries(
    Object.entries(opts.commonAnnotations ?? {}).map(([k, v]) => [
      k,
      opts.commonAnnotationsEnvsubst ? envsubst(v, env) : v,
    ]),
  );
  if (Object.keys(annotations).length > 0) {
    addToMap(doc, 'commonAnnotations', annotations, opts.forceCommonAnnotations ?? false);
  }
  if (opts.namespace) doc.set('namespace', opts.namespace);
  if (opts.patches?.length) {
    const patches = opts.patches.map((p) => canonicalize(p));
    doc.set('patches', doc.createNode([...list<unknown>(doc, 'patches'), ...patches]));
  }
  if (components.length > 0) {
    const existing = list<string>(doc, 'components');
    const added = components.filter((c) => !existing.includes(c));
    doc.set('components', doc.createNode([...existing, ...added]));
  }
  return doc.toString();
}

/** True when the options change the kustomization at all. */
export function hasKustomizeEdits(opts: ApplicationSourceKustomize | undefined): boolean {
  if (!opts) return false;
  return Boolean(
    opts.namePrefix ||
    opts.nameSuffix ||
    opts.images?.length ||
    opts.replicas?.length ||
    Object.keys(opts.commonLabels ?? {}).length ||
    Object.keys(opts.commonAnnotations ?? {}).length ||
    opts.namespace ||
    opts.patches?.length ||
    opts.components?.length,
  );
}
