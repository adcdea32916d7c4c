import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { convertArgoManifest, type ApplicationSet } from '@flotilla/api';
import type { ClusterInfo, GitTreeView } from '@flotilla/appset';
import { compatDir } from '@flotilla/testing';

/** Argo CD's ApplicationSet examples, read where they lie. */
export const EXAMPLES_DIR = join(dirname(compatDir()), 'argocd-applicationset-examples');

/** The repository the examples point their Git generators at. */
export const ARGO_REPO = 'https://github.com/argoproj/argo-cd.git';
const PREFIX = 'applicationset/examples';

async function walk(): Promise<{ dirs: string[]; files: string[] }> {
  const dirs: string[] = [];
  const files: string[] = [];
  const visit = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = `${PREFIX}/${relative(EXAMPLES_DIR, p).split(sep).join('/')}`;
      if (e.isDirectory()) {
        dirs.push(rel);
        await visit(p);
      } else files.push(rel);
    }
  };
  await visit(EXAMPLES_DIR);
  const parents = ['applicationset', PREFIX];
  return { dirs: [...parents, ...dirs].sort(), files: files.sort() };
}

/**
 * The examples folder as the Git generator would see argo-cd's repository
 * (only `applicationset/examples` of it): the examples name paths there.
 */
export async function argoRepoTree(): Promise<GitTreeView> {
  const { dirs, files } = await walk();
  return {
    sha: '37ee0097cf851bc2dd7665fc081bbce61a7e836e',
    directories: dirs,
    files,
    read: (path) => readFile(join(EXAMPLES_DIR, path.slice(PREFIX.length + 1)), 'utf8'),
  };
}

/** Two registered clusters, labelled as the examples' selectors expect. */
export const EXAMPLE_CLUSTERS: ClusterInfo[] = [
  {
    name: 'staging',
    server: 'https://staging.example.com',
    labels: {
      'argocd.argoproj.io/secret-type': 'cluster',
      environment: 'staging',
      'use-kakfa': 'false',
    },
    annotations: {},
  },
  {
    name: 'production',
    server: 'https://production.example.com',
    labels: {
      'argocd.argoproj.io/secret-type': 'cluster',
      environment: 'production',
      'use-kafka': 'true',
    },
    annotations: {},
  },
];

/** One ApplicationSet of the examples, converted. */
export interface Example {
  readonly file: string;
  readonly set: ApplicationSet;
  readonly warnings: string[];
}

/** Every ApplicationSet in the examples, converted into `namespace`. */
export async function loadExamples(namespace: string): Promise<Example[]> {
  const { files } = await walk();
  const out: Example[] = [];
  for (const f of files.filter((x) => x.endsWith('.yaml'))) {
    const file = f.slice(PREFIX.length + 1);
    const text = await readFile(join(EXAMPLES_DIR, file), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      const obj = doc.toJS() as Record<string, unknown> | null;
      if (obj?.['kind'] !== 'ApplicationSet') continue;
      const r = convertArgoManifest(obj, { namespace, keepNamespace: false });
      const set = r.object as ApplicationSet;
      set.metadata.namespace = namespace;
      out.push({ file, set, warnings: r.warnings });
    }
  }
  return out;
}
