// Live objects for the executor: from the watch cache, with a direct read
// when the cache has not seen an object yet, and waits driven by watch events.
import type { ResourceKey } from '@flotilla/contracts';
import {
  ApiError,
  collectionPath,
  rawRequest,
  type ClusterCache,
  type KubeConfig,
  type KubernetesObject,
} from '@flotilla/kube';
import { resourceKeyString } from '@flotilla/contracts';

/** The live object now: the cache first, then the apiserver; undefined when it does not exist. */
export async function liveObject(
  kc: KubeConfig,
  cache: ClusterCache,
  key: ResourceKey,
): Promise<KubernetesObject | undefined> {
  const cached = cache.get(key);
  if (cached) return cached;
  const info = await cache.discovery.lookup(key.group, key.kind);
  if (!info) return undefined;
  const path = `${collectionPath(info, key.namespace || undefined)}/${encodeURIComponent(key.name)}`;
  try {
    return await rawRequest<KubernetesObject>(kc, { method: 'GET', path });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

/**
 * How long to sleep before looking again without a watch event: until the
 * deadline, but never longer than `fallbackMs`, and never negative.
 */
export function wakeDelayMs(
  deadlineMs: number | undefined,
  fallbackMs: number,
  nowMs: number,
): number {
  return deadlineMs === undefined
    ? fallbackMs
    : Math.min(fallbackMs, Math.max(0, deadlineMs - nowMs));
}

/**
 * Resolves when the cache reports a change to one of `keys`, when `deadlineMs`
 * (epoch ms) passes, or when `signal` aborts. A fallback re-check after
 * `fallbackMs` covers a watch that is reconnecting.
 */
export function nextChange(
  cache: ClusterCache,
  keys: readonly ResourceKey[],
  signal: AbortSignal,
  deadlineMs: number | undefined,
  fallbackMs = 10_000,
  wakeOn?: (wake: () => void) => () => void,
): Promise<void> {
  const wanted = new Set(keys.map(resourceKeyString));
  return new Promise<void>((resolve) => {
    const done = () => {
      unsubscribe();
      stopWake?.();
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const unsubscribe = cache.subscribe((e) => {
      if (wanted.has(resourceKeyString(e.key))) done();
    });
    const timer = setTimeout(done, wakeDelayMs(deadlineMs, fallbackMs, Date.now()));
    const stopWake = wakeOn?.(done);
    if (signal.aborted) done();
    else signal.addEventListener('abort', done, { once: true });
  });
}

/** Resolves once `key` no longer exists (watch-driven), or when `signal` aborts. */
export async function waitGone(
  kc: KubeConfig,
  cache: ClusterCache,
  key: ResourceKey,
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted && (await liveObject(kc, cache, key)) !== undefined) {
    await nextChange(cache, [key], signal, undefined, 2_000);
  }
}
