import { canonicalJson, sha256 } from './canonical.js';
import { redactMessage } from './sanitize.js';
import type { Manifest, SourceType } from './types.js';

/** What the cache keeps of a render: the canonical set and its warnings. */
export interface CachedRender {
  readonly sourceType: SourceType;
  readonly objects: readonly Manifest[];
  readonly hash: string;
  readonly warnings: readonly string[];
}

/**
 * Where rendered manifest sets are kept between renders. Implementations may
 * throw or be slow; the renderer bounds every call, logs failures at warn and
 * renders without the cache.
 */
export interface ManifestCache {
  get(key: string): Promise<CachedRender | undefined>;
  set(key: string, value: CachedRender): Promise<void>;
}

/**
 * Bumped whenever a renderer change alters what the same input renders to
 * (canonical form, conversion, defaults), so old entries are never served.
 */
export const RENDER_FORMAT_VERSION = 1;

/** What a manifest cache entry is keyed by. */
export interface CacheKeyParts {
  readonly repoURL: string;
  /** The commit SHA (or chart version) rendered. */
  readonly revision: string;
  readonly path: string;
  /** Everything else the output depends on: source options, app name, namespace, tool versions. */
  readonly options: unknown;
}

/** A digest of the render options, tool versions included. */
export function renderOptionsHash(options: unknown): string {
  return sha256(canonicalJson({ format: RENDER_FORMAT_VERSION, options }));
}

/**
 * The cache key of a render: `<prefix>` plus the SHA-256 of (repository URL
 * without credentials, revision, path, options hash). Fixed length, and no
 * credential or path ever appears in Redis.
 */
export function manifestCacheKey(parts: CacheKeyParts, prefix = 'flotilla:manifests:'): string {
  const id = canonicalJson({
    repoURL: redactMessage(parts.repoURL),
    revision: parts.revision,
    path: parts.path,
    options: renderOptionsHash(parts.options),
  });
  return `${prefix}${sha256(id).slice('sha256:'.length)}`;
}

/** Checks a cache entry read back: its hash must match its objects, or it is not used. */
export function validCachedRender(value: unknown): value is CachedRender {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<CachedRender>;
  if (!Array.isArray(v.objects) || typeof v.hash !== 'string' || !Array.isArray(v.warnings)) {
    return false;
  }
  return sha256(`[${v.objects.map((o) => canonicalJson(o)).join(',')}]`) === v.hash;
}

/** A process-local cache, for tests and single-process use. */
export function memoryManifestCache(): ManifestCache & { readonly size: number } {
  const entries = new Map<string, string>();
  return {
    get size() {
      return entries.size;
    },
    async get(key) {
      const raw = entries.get(key);
      const parsed: unknown = raw === undefined ? undefined : JSON.parse(raw);
      return validCachedRender(parsed) ? parsed : undefined;
    },
    async set(key, value) {
      entries.set(key, JSON.stringify(value));
    },
  };
}
