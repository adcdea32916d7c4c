// Finds the health script for a group and kind: inline scripts first (an exact
// key, then a wildcard key as Argo CD allows in `resource.customizations`), then
// each customization directory in order, laid out like Argo CD's resource_customizations.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HealthScriptLoadError } from '../errors.js';
import type { HealthGroupKind } from '../types.js';

/** The file a customization directory keeps a kind's health script in. */
export const HEALTH_SCRIPT_FILE = 'health.lua';

/** A health script and where it came from. */
export interface HealthScript {
  /** `group/Kind`, or `Kind` for the core group: Argo CD's customization key. */
  readonly key: string;
  /** How messages name the script, e.g. `cert-manager.io/Certificate/health.lua`. */
  readonly name: string;
  readonly source: string;
  /** The file it was read from, or `inline` for a script given in the options. */
  readonly origin: string;
}

const GROUP = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;
const KIND = /^[A-Za-z][A-Za-z0-9]*$/;
/** A key part with `*` wildcards: `*.crossplane.io`, `*`, `Cluster*`. */
const GROUP_GLOB = /^[A-Za-z0-9.*-]+$/;
const KIND_GLOB = /^[A-Za-z0-9*]+$/;

/** True when a customization key has a `*` wildcard in its group or kind. */
export function isWildcardKey(key: string): boolean {
  return key.includes('*');
}

/** A wildcard key as a whole-key pattern; `*` matches any run of characters, `/` included. */
function keyPattern(key: string): RegExp {
  const parts = key.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`);
}

/** Argo CD's customization key for a group and kind: `group/Kind`, or `Kind` for core. */
export function scriptKey(gk: HealthGroupKind): string {
  return gk.group === '' ? gk.kind : `${gk.group}/${gk.kind}`;
}

/**
 * The group and kind of a customization key, or undefined when it is malformed.
 * Either part may hold `*` wildcards (see {@link isWildcardKey}).
 */
export function parseScriptKey(key: string): HealthGroupKind | undefined {
  const slash = key.lastIndexOf('/');
  const group = slash < 0 ? '' : key.slice(0, slash);
  const kind = slash < 0 ? key : key.slice(slash + 1);
  const glob = isWildcardKey(key);
  if (!(glob ? KIND_GLOB : KIND).test(kind)) return undefined;
  if (group !== '' && !(glob ? GROUP_GLOB : GROUP).test(group)) return undefined;
  return { group, kind };
}

/** Reads a script file; undefined when it does not exist. */
function readScript(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new HealthScriptLoadError(`cannot read health script ${path}: ${String(err)}`, path, {
      cause: err,
    });
  }
}

/**
 * Looks scripts up once per key and remembers the answer, found or not; a new
 * loader sees changed files.
 */
export class HealthScriptLoader {
  private readonly cache = new Map<string, HealthScript | null>();
  /** Wildcard keys in key order, so the same configuration always picks the same script. */
  private readonly globs: ReadonlyArray<readonly [string, RegExp]>;

  constructor(
    private readonly dirs: readonly string[],
    private readonly scripts: ReadonlyMap<string, string> = new Map(),
  ) {
    this.globs = [...scripts.keys()]
      .filter(isWildcardKey)
      .sort()
      .map((k) => [k, keyPattern(k)] as const);
  }

  /** The script for a group and kind; throws {@link HealthScriptLoadError} when a file cannot be read. */
  find(gk: HealthGroupKind): HealthScript | undefined {
    if (!KIND.test(gk.kind) || (gk.group !== '' && !GROUP.test(gk.group))) return undefined;
    const key = scriptKey(gk);
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const found = this.lookup(key);
    this.cache.set(key, found ?? null);
    return found;
  }

  private lookup(key: string): HealthScript | undefined {
    const inline = this.scripts.get(key);
    if (inline !== undefined)
      return { key, name: `${key} (inline)`, source: inline, origin: 'inline' };
    const glob = this.globs.find(([, pattern]) => pattern.test(key))?.[0];
    const globbed = glob === undefined ? undefined : this.scripts.get(glob);
    if (glob !== undefined && globbed !== undefined)
      return { key: glob, name: `${glob} (inline)`, source: globbed, origin: 'inline' };
    for (const dir of this.dirs) {
      const path = join(dir, key, HEALTH_SCRIPT_FILE);
      const source = readScript(path);
      if (source !== undefined) {
        return { key, name: `${key}/${HEALTH_SCRIPT_FILE}`, source, origin: path };
      }
    }
    return undefined;
  }
}
