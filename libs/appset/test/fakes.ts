import {
  Templates,
  type ClusterInfo,
  type GeneratorContext,
  type GitTreeView,
  type TemplateEngine,
} from '../src/index.js';

/**
 * The {{param}} engine, and for goTemplate one that renders only literal
 * templates (exactly what Go would give) and refuses any action: unit tests
 * of Go templates proper run against the real helper.
 */
const literalGo: TemplateEngine = {
  async render(template, params, dialect) {
    if (!dialect.goTemplate) return new Templates().render(template, params, dialect);
    if (JSON.stringify(template).includes('{{'))
      throw new Error('a Go template action needs the real helper');
    return params.map(() => ({ ok: true as const, value: structuredClone(template) }));
  },
};

/** An in-memory repository: file path → content; directories derived. */
export function fakeTree(files: Record<string, string>, sha = 'a'.repeat(40)): GitTreeView {
  const dirs = new Set<string>();
  for (const f of Object.keys(files)) {
    const parts = f.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!parts.slice(0, i).some((p) => p.startsWith('.'))) dirs.add(d);
    }
  }
  return {
    sha,
    directories: [...dirs].sort(),
    files: Object.keys(files).sort(),
    read: async (p) => {
      const text = files[p];
      if (text === undefined) throw new Error(`no file ${p}`);
      return text;
    },
  };
}

/** A generator context over fakes, with the in-process {{param}} engine. */
export function fakeContext(
  opts: {
    goTemplate?: boolean;
    clusters?: ClusterInfo[];
    repos?: Record<string, GitTreeView>;
    maxParams?: number;
  } = {},
): GeneratorContext & { gitCalls: string[] } {
  const gitCalls: string[] = [];
  return {
    goTemplate: opts.goTemplate ?? false,
    goTemplateOptions: [],
    templates: literalGo,
    maxParams: opts.maxParams ?? 1000,
    gitCalls,
    clusters: async () => opts.clusters ?? [],
    gitTree: async (url, rev) => {
      gitCalls.push(`${url}@${rev}`);
      const t = opts.repos?.[url];
      if (!t) throw new Error(`repository ${url} not found`);
      return t;
    },
  };
}

/** A cluster Secret as the generator sees it. */
export const cluster = (
  name: string,
  server: string,
  labels: Record<string, string> = {},
  annotations: Record<string, string> = {},
): ClusterInfo => ({ name, server, labels, annotations });
