import type { ApplicationSetGenerator, GeneratorTemplate, LabelSelector } from '@flotilla/api';
import { flatten, isObject, type Params } from '../params.js';
import { matchesSelector } from '../selector.js';
import { clusterParams } from './clusters.js';
import { combineStringMaps, mergeOverride, mergeParamSets } from './combine.js';
import type { GeneratorContext } from './context.js';
import { gitDirectoryParams, gitFileParams } from './git.js';
import { listParams } from './list.js';
import { pullRequestsFromRefs } from './pull-request.js';
import {
  DEFAULT_PULL_REQUEST_REQUEUE_SECONDS,
  PULL_REQUEST_APIS,
  pullRequestApi,
  pullRequestRepoUrls,
  pullRequestsFromApi,
} from './pull-request-api.js';
import { DEFAULT_SCM_PROVIDER_REQUEUE_SECONDS, scmProviderParams } from './scm-provider.js';
import { appendValues } from './values.js';

/** The parameter sets of one top-level generator, with its own template overrides. */
export interface GeneratorOutput {
  readonly params: Params[];
  readonly template: GeneratorTemplate | undefined;
}

type Gen = Record<string, unknown>;

/** Generator kinds Flotilla runs. */
export const SUPPORTED = [
  'list',
  'clusters',
  'git',
  'matrix',
  'merge',
  'pullRequest',
  'scmProvider',
] as const;
const KINDS = [...SUPPORTED, 'clusterDecisionResource', 'plugin'];

/** Too many parameter sets: more Applications than the configured maximum. */
export class TooManyParamsError extends Error {
  override readonly name = 'TooManyParamsError';
}

// Fields of a pullRequest generator that are not a mode.
const PULL_REQUEST_FIELDS = [
  'requeueAfterSeconds',
  'template',
  'filters',
  'values',
  'continueOnRepoNotFoundError',
];

/** Default requeue of a Git generator, as Argo CD's (3 minutes). */
export const DEFAULT_GIT_REQUEUE_SECONDS = 180;

function kindOf(g: Gen): string {
  const kinds = KINDS.filter((k) => g[k] !== undefined && g[k] !== null);
  if (kinds.length !== 1)
    throw new Error(
      kinds.length === 0
        ? `generator has no kind: set one of ${SUPPORTED.join(', ')}`
        : `generator sets ${kinds.join(' and ')}: set exactly one`,
    );
  const kind = kinds[0]!;
  if (!(SUPPORTED as readonly string[]).includes(kind))
    throw new Error(`the ${kind} generator is not supported by Flotilla`);
  return kind;
}

function cap(sets: Params[], ctx: GeneratorContext): Params[] {
  if (sets.length > ctx.maxParams)
    throw new TooManyParamsError(
      `generators produced ${sets.length} parameter sets, more than the maximum of ${ctx.maxParams} Applications`,
    );
  return sets;
}

/**
 * Runs one generator (any kind, nested ones included) and applies its
 * selector. `outer` holds the parameters of the first generator of a matrix:
 * the second one's fields are templates over them.
 */
export async function runGenerator(
  g: Gen,
  ctx: GeneratorContext,
  outer?: Params,
): Promise<Params[]> {
  const selector = g['selector'] as LabelSelector | undefined;
  const gen = outer && Object.keys(outer).length > 0 ? await interpolate(g, outer, ctx) : g;
  const kind = kindOf(gen);
  const body = gen[kind] as Gen;
  if (!isObject(body)) throw new Error(`${kind}: must be an object`);
  const sets = cap(await paramsOf(kind, body, ctx), ctx);
  if (!selector) return sets;
  return sets.filter((p) => matchesSelector(selector, flatten(p)));
}

async function paramsOf(kind: string, body: Gen, ctx: GeneratorContext): Promise<Params[]> {
  const values = body['values'] as Record<string, string> | undefined;
  switch (kind) {
    case 'list':
      return listParams(body, ctx.goTemplate);
    case 'clusters':
      return appendValues(
        clusterParams(body, await ctx.clusters(), ctx.goTemplate),
        values,
        ctx.templates,
        ctx,
      );
    case 'git': {
      const repoURL = String(body['repoURL'] ?? '');
      const tree = await ctx.gitTree(repoURL, String(body['revision'] || 'HEAD'));
      const spec = body as Parameters<typeof gitDirectoryParams>[0];
      const hasDirs = Array.isArray(body['directories']) && body['directories'].length > 0;
      const hasFiles = Array.isArray(body['files']) && body['files'].length > 0;
      if (!hasDirs && !hasFiles) throw new Error('git: set directories or files');
      const sets = hasDirs
        ? gitDirectoryParams(spec, tree, ctx.goTemplate)
        : await gitFileParams(spec, tree, ctx.goTemplate);
      return appendValues(sets, values, ctx.templates, ctx);
    }
    case 'pullRequest': {
      const api = pullRequestApi(body);
      const gitRefs = body['gitRefs'];
      if (api && gitRefs !== undefined)
        throw new Error(`pullRequest sets ${api} and gitRefs: set exactly one`);
      if (api)
        return appendValues(await pullRequestsFromApi(api, body, ctx), values, ctx.templates, ctx);
      if (!isObject(gitRefs) || typeof gitRefs['repoURL'] !== 'string')
        throw new Error(
          `the pullRequest generator needs one of ${[...PULL_REQUEST_APIS, 'gitRefs'].join(', ')}${
            Object.keys(body).some((k) => !PULL_REQUEST_FIELDS.includes(k))
              ? ` (found ${Object.keys(body)
                  .filter((k) => !PULL_REQUEST_FIELDS.includes(k))
                  .join(', ')})`
              : ''
          }`,
        );
      if (!ctx.refs)
        throw new Error(
          'the pullRequest generator needs a Git source this controller was not given',
        );
      return appendValues(
        pullRequestsFromRefs(await ctx.refs(gitRefs['repoURL'])),
        values,
        ctx.templates,
        ctx,
      );
    }
    case 'scmProvider':
      return appendValues(await scmProviderParams(body, ctx), values, ctx.templates, ctx);
    case 'matrix':
      return matrix(body, ctx);
    case 'merge':
      return merge(body, ctx);
    default:
      throw new Error(`the ${kind} generator needs a source this controller was not given`);
  }
}

async function matrix(body: Gen, ctx: GeneratorContext): Promise<Params[]> {
  const gens = body['generators'];
  if (!Array.isArray(gens) || gens.length !== 2)
    throw new Error(
      `found ${Array.isArray(gens) ? gens.length : 0} generators in a matrix, Matrix supports exactly two`,
    );
  const [first, second] = gens as Gen[];
  const a = await runGenerator(first!, ctx).catch((e: Error) => {
    throw new Error(
      `error failed to get params for first generator in matrix generator: ${e.message}`,
      { cause: e },
    );
  });
  const out: Params[] = [];
  for (const p of a) {
    const b = await runGenerator(second!, ctx, p).catch((e: Error) => {
      throw new Error(
        `failed to get params for second generator in the matrix generator: ${e.message}`,
        { cause: e },
      );
    });
    for (const q of b) {
      out.push(ctx.goTemplate ? mergeOverride(mergeOverride({}, q), p) : combineStringMaps(p, q));
      cap(out, ctx);
    }
  }
  return out;
}

async function merge(body: Gen, ctx: GeneratorContext): Promise<Params[]> {
  const gens = body['generators'];
  if (!Array.isArray(gens) || gens.length < 2)
    throw new Error('found less than two generators, Merge requires two or more');
  const sets: Params[][] = [];
  for (const [i, g] of (gens as Gen[]).entries()) {
    sets.push(
      await runGenerator(g, ctx).catch((e: Error) => {
        throw new Error(
          `error getting params from generator ${i + 1} of ${gens.length}: ${e.message}`,
          { cause: e },
        );
      }),
    );
  }
  return mergeParamSets((body['mergeKeys'] as string[] | undefined) ?? [], sets, ctx.goTemplate);
}

/**
 * Renders a generator's fields with the parameters of the matrix's first
 * generator (Argo CD's InterpolateGenerator). A `values` entry that names a
 * parameter the first generator lacks is kept as written, so the second
 * generator's own parameters can fill it.
 */
async function interpolate(g: Gen, outer: Params, ctx: GeneratorContext): Promise<Gen> {
  const kind = kindOf(g);
  const body = g[kind];
  if (!isObject(body)) return g;
  const { values, template, ...rest } = body as Gen;
  const [r] = await ctx.templates.render(rest, [outer], ctx);
  if (!r?.ok) throw new Error(`error interpolating generator: ${r?.error ?? 'no result'}`);
  const out: Gen = { ...(r.value as Gen) };
  if (template !== undefined) out['template'] = template;
  if (isObject(values)) {
    const kept: Record<string, string> = {};
    const strict = ctx.goTemplate
      ? {
          goTemplate: true,
          goTemplateOptions: [
            ...ctx.goTemplateOptions.filter((o) => !o.startsWith('missingkey=')),
            'missingkey=error',
          ],
        }
      : ctx;
    for (const [k, v] of Object.entries(values)) {
      const [x] = await ctx.templates.render(String(v), [outer], strict);
      kept[k] = x?.ok ? String(x.value) : String(v);
    }
    out['values'] = kept;
  }
  return { ...g, [kind]: out };
}

/** Seconds until the set should be generated again: the least any generator asks for. */
export function requeueAfterSeconds(
  generators: readonly ApplicationSetGenerator[],
): number | undefined {
  let best: number | undefined;
  const visit = (g: Gen) => {
    for (const kind of KINDS) {
      const body = g[kind];
      if (!isObject(body)) continue;
      const own = body['requeueAfterSeconds'];
      const secs =
        typeof own === 'number'
          ? own
          : kind === 'scmProvider'
            ? DEFAULT_SCM_PROVIDER_REQUEUE_SECONDS
            : kind === 'pullRequest' && pullRequestApi(body)
              ? DEFAULT_PULL_REQUEST_REQUEUE_SECONDS
              : kind === 'git' || kind === 'pullRequest'
                ? DEFAULT_GIT_REQUEUE_SECONDS
                : undefined;
      if (secs !== undefined && secs > 0 && (best === undefined || secs < best)) best = secs;
      if (Array.isArray(body['generators']))
        for (const n of body['generators']) if (isObject(n)) visit(n);
    }
  };
  for (const g of generators) visit(g as Gen);
  return best;
}

/**
 * The repositories a set's generators read (Git generators and the
 * pullRequest generator's `gitRefs` or provider repository, nested ones
 * included), as written: a
 * webhook for one of them runs the set's generators again.
 */
export function generatorRepos(generators: readonly ApplicationSetGenerator[]): string[] {
  const out = new Set<string>();
  const visit = (g: Gen) => {
    const git = g['git'];
    if (isObject(git) && typeof git['repoURL'] === 'string') out.add(git['repoURL']);
    const pr = g['pullRequest'];
    if (isObject(pr) && isObject(pr['gitRefs']) && typeof pr['gitRefs']['repoURL'] === 'string')
      out.add(pr['gitRefs']['repoURL']);
    if (isObject(pr)) for (const u of pullRequestRepoUrls(pr)) out.add(u);
    for (const kind of ['matrix', 'merge']) {
      const body = g[kind];
      if (isObject(body) && Array.isArray(body['generators']))
        for (const n of body['generators']) if (isObject(n)) visit(n);
    }
  };
  for (const g of generators) visit(g as Gen);
  return [...out];
}

/** Runs every top-level generator of a set; the first failure stops it (nothing is half-generated). */
export async function generate(
  generators: readonly ApplicationSetGenerator[],
  ctx: GeneratorContext,
): Promise<GeneratorOutput[]> {
  const out: GeneratorOutput[] = [];
  let total = 0;
  for (const [i, g] of generators.entries()) {
    const gen = g as Gen;
    let params: Params[];
    try {
      params = await runGenerator(gen, ctx);
    } catch (e) {
      if (e instanceof TooManyParamsError) throw e;
      throw new Error(
        `generator ${i + 1} (${Object.keys(gen)
          .filter((k) => k !== 'selector')
          .join(', ')}): ${(e as Error).message}`,
        { cause: e },
      );
    }
    total += params.length;
    if (total > ctx.maxParams)
      throw new TooManyParamsError(
        `generators produced ${total} parameter sets, more than the maximum of ${ctx.maxParams} Applications`,
      );
    const kind = kindOf(gen);
    const body = gen[kind];
    out.push({
      params,
      template: isObject(body) ? (body['template'] as GeneratorTemplate | undefined) : undefined,
    });
  }
  return out;
}
