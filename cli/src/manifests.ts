import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';
import {
  API_VERSION,
  APPLICATION_SET,
  APP_PROJECT,
  APPLICATION,
  formatValidationErrors,
  validateApplication,
  validateAppProject,
  validateApplicationSet,
} from '@flotilla/api';
import { ApiError, rawRequest, type KubeConfig } from '@flotilla/kube';
import { ExitError } from './exit.js';

/** A Flotilla object read from a file, with where it came from for messages. */
export interface ManifestDoc {
  readonly index: number;
  readonly object: Record<string, unknown>;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The text of `file`, or of stdin for `-`. */
export async function readInput(file: string): Promise<string> {
  if (file !== '-') {
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      throw new ExitError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).message}`, 1);
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Every non-empty document of a YAML (or JSON) stream; `kind: List` documents are unpacked. */
export function parseDocuments(text: string, file: string): ManifestDoc[] {
  const out: ManifestDoc[] = [];
  parseAllDocuments(text).forEach((doc, index) => {
    const [error] = doc.errors;
    if (error) throw new ExitError(`${file}: document ${index}: ${error.message}`, 1);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    if (!isObject(value))
      throw new ExitError(`${file}: document ${index}: expected an object, got ${typeof value}`, 1);
    const items = String(value['kind']).endsWith('List') ? value['items'] : undefined;
    if (Array.isArray(items)) {
      for (const item of items)
        if (isObject(item)) out.push({ index, object: item });
        else throw new ExitError(`${file}: document ${index}: a list item is not an object`, 1);
    } else out.push({ index, object: value });
  });
  if (out.length === 0) throw new ExitError(`${file}: no objects found`, 1);
  return out;
}

const KINDS: readonly string[] = [APPLICATION.kind, APP_PROJECT.kind, APPLICATION_SET.kind];

const label = (o: Json) => {
  const meta = isObject(o['metadata']) ? o['metadata'] : {};
  return `${String(o['kind'] ?? 'object')} ${String(meta['name'] ?? '(unnamed)')}`;
};

/**
 * Checks each document is a Flotilla Application, AppProject or ApplicationSet that passes
 * the API's validation, placing it in `namespace` when it names none. Reports
 * every problem of every document at once, creating nothing.
 */
export function validateDocuments(
  docs: readonly ManifestDoc[],
  file: string,
  namespace: string,
  namespaceGiven: boolean,
): Json[] {
  const problems: string[] = [];
  const objects = docs.map(({ index, object }) => {
    const where = `${file}: document ${index} (${label(object)})`;
    const apiVersion = String(object['apiVersion'] ?? '');
    const kind = String(object['kind'] ?? '');
    if (apiVersion.startsWith('argoproj.io/')) {
      problems.push(`${where}: an Argo CD manifest; convert it with \`flotilla app import\``);
      return object;
    }
    if (apiVersion === API_VERSION && !KINDS.includes(kind)) {
      problems.push(
        `${where}: kind must be ${APPLICATION.kind}, ${APP_PROJECT.kind} or ${APPLICATION_SET.kind}`,
      );
      return object;
    }
    const meta = isObject(object['metadata']) ? object['metadata'] : undefined;
    const own = typeof meta?.['namespace'] === 'string' ? meta['namespace'] : undefined;
    if (own && namespaceGiven && own !== namespace) {
      problems.push(
        `${where}: metadata.namespace is ${own} but --namespace says ${namespace}; they must agree`,
      );
      return object;
    }
    const placed = meta && !own ? { ...object, metadata: { ...meta, namespace } } : object;
    const result =
      kind === APP_PROJECT.kind
        ? validateAppProject(placed)
        : kind === APPLICATION_SET.kind
          ? validateApplicationSet(placed)
          : validateApplication(placed);
    if (!result.ok)
      problems.push(
        `${where}:\n${formatValidationErrors(result.errors)
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n')}`,
      );
    return placed;
  });
  if (problems.length > 0)
    throw new ExitError(`invalid input, nothing was created:\n${problems.join('\n')}`, 1);
  return objects;
}

/** What happened to one object. */
export type Outcome = 'created' | 'updated' | 'unchanged';

const collection = (o: Json) => {
  const meta = o['metadata'] as { namespace: string };
  const plural =
    [APP_PROJECT, APPLICATION_SET].find((k) => k.kind === o['kind'])?.plural ?? APPLICATION.plural;
  return `/apis/${API_VERSION}/namespaces/${meta.namespace}/${plural}`;
};

// The fields `--upsert` takes from the file, as `argocd app create --upsert` does.
const UPSERT_META = ['labels', 'annotations', 'finalizers'] as const;

/**
 * Creates an object. One that exists already is left alone when its spec is
 * the same; with `upsert` its spec, labels, annotations and finalizers are
 * replaced; otherwise that is an error naming `--upsert`.
 */
export async function createObject(
  kc: KubeConfig,
  object: Json,
  upsert: boolean,
): Promise<{ outcome: Outcome; object: Json }> {
  const meta = object['metadata'] as { name: string; namespace: string };
  const path = collection(object);
  const itemPath = `${path}/${encodeURIComponent(meta.name)}`;
  const what = `${String(object['kind']).toLowerCase()} ${meta.namespace}/${meta.name}`;
  try {
    return {
      outcome: 'created',
      object: await rawRequest<Json>(kc, { method: 'POST', path, body: object }),
    };
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 409)) throw err;
  }
  for (let attempt = 0; ; attempt++) {
    const existing = await rawRequest<Json>(kc, { method: 'GET', path: itemPath });
    const existingMeta = (existing['metadata'] ?? {}) as Json;
    const same =
      isDeepStrictEqual(existing['spec'], object['spec']) &&
      (!upsert ||
        UPSERT_META.every((f) =>
          isDeepStrictEqual(existingMeta[f] ?? undefined, (meta as Json)[f] ?? undefined),
        ));
    if (same) return { outcome: 'unchanged', object: existing };
    if (!upsert)
      throw new ExitError(`${what} exists with a different spec; use --upsert to replace it`, 1);
    const updated = { ...existing, spec: object['spec'], metadata: { ...existingMeta } };
    const newMeta = updated.metadata as Json;
    for (const f of UPSERT_META) {
      if ((meta as Json)[f] === undefined) delete newMeta[f];
      else newMeta[f] = (meta as Json)[f];
    }
    try {
      return {
        outcome: 'updated',
        object: await rawRequest<Json>(kc, { method: 'PUT', path: itemPath, body: updated }),
      };
    } catch (err) {
      // Someone else wrote it in between: read it again and retry a few times.
      if (!(err instanceof ApiError && err.status === 409) || attempt >= 4) throw err;
    }
  }
}
