import type { Application, ApplicationSet } from '@flotilla/api';
import {
  JqFailure,
  defaultJqRunner,
  isJqError,
  type JqRunner,
  type PathSegment,
} from '@flotilla/gitops';
import { isOwnedBy } from './plan.js';

/** RFC 6901 pointer of a jq path: `["spec","source","targetRevision"]` → `/spec/source/targetRevision`. */
export function pointerOf(path: readonly PathSegment[]): string {
  return path.map((s) => `/${String(s).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** What the jq path expressions of a set's `ignoreApplicationDifferences` select. */
export interface JqIgnored {
  /** Per owned Application, the pointers of the fields its rules' expressions select in it. */
  readonly pointers: Map<string, string[]>;
  /** Per Application, why its rules could not be evaluated (it is then not updated). */
  readonly errors: Map<string, string>;
}

/**
 * Runs each `jqPathExpressions` entry of the rules that apply to an owned
 * Application on the live Application, in the jq sandbox the differ uses
 * (jq-wasm in a worker thread, bounded in time and memory). An expression
 * that fails at run time on an object (iterating a field it lacks) selects
 * nothing, as in Argo CD; one that does not compile, or runs out of time or
 * memory, is an error for that Application. `jq` defaults to the process's
 * shared sandbox.
 */
export async function jqIgnoredPaths(
  set: ApplicationSet,
  existing: readonly Application[],
  jq: () => JqRunner = defaultJqRunner,
): Promise<JqIgnored> {
  const out: JqIgnored = { pointers: new Map(), errors: new Map() };
  const rules = (set.spec.ignoreApplicationDifferences ?? []).filter(
    (r) => (r.jqPathExpressions ?? []).length > 0,
  );
  if (rules.length === 0) return out;
  for (const live of existing) {
    const name = live.metadata.name ?? '';
    if (!isOwnedBy(live, set)) continue;
    const pointers: string[] = [];
    for (const rule of rules) {
      if (rule.name && rule.name !== name) continue;
      for (const expression of rule.jqPathExpressions ?? []) {
        try {
          for (const path of await jq().paths(live, expression)) pointers.push(pointerOf(path));
        } catch (err) {
          if (isJqError(err, JqFailure.Runtime)) continue;
          out.errors.set(
            name,
            `ignoreApplicationDifferences jqPathExpression ${JSON.stringify(expression)}: ${(err as Error).message}`,
          );
        }
      }
    }
    if (pointers.length > 0) out.pointers.set(name, pointers);
  }
  return out;
}
