import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeAccess } from '../kubeconfig.js';
import { TRACKING_ANNOTATIONS } from '@flotilla/api';
import { appKey, resourceKeyString, type AppRef, type ResourceKey } from '@flotilla/contracts';
import { ownerOf, type DiffObject } from '@flotilla/gitops';
import { appMetrics, registerClusterProbe } from '@flotilla/runtime';
import { ApiError, rawRequest } from '../raw.js';
import { compactObject } from './compact.js';
import { describeConnectionError, isClusterConnectionError } from './connection.js';
import { collectionPath, Discovery, type ApiResourceInfo } from './discovery.js';
import { KindWatch } from './kind-watch.js';

/** A change to a cached object. */
export interface CacheEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly key: ResourceKey;
  readonly object: KubernetesObject;
  readonly previous?: KubernetesObject;
}

/** Why the cluster cannot be used right now, and since when. */
export interface ClusterUnreachable {
  readonly error: Error;
  readonly since: Date;
}

/** Size of the cache, for metrics and the memory benchmark. */
export interface CacheStats {
  readonly kinds: number;
  readonly objects: number;
  /** Sum of the cached objects' JSON sizes. */
  readonly bytes: number;
  readonly lists: number;
}

/** The {@link ResourceKey} of an object. */
export function keyOf(obj: KubernetesObject): ResourceKey {
  const apiVersion = obj.apiVersion ?? '';
  return {
    group: apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '',
    kind: obj.kind ?? '',
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '',
  };
}

const kindKey = (group: string, kind: string) => `${group}/${kind}`;

/**
 * Live state of one cluster, built from watches. It lists each kind once and
 * then follows its watch, and it only watches the kinds someone asked for.
 * It keeps only objects that carry a tracking annotation or that an app
 * declared interest in, so memory follows the managed objects, not the
 * cluster's size.
 */
export class ClusterCache {
  readonly discovery: Discovery;
  private readonly kinds = new Map<
    string,
    { watch?: KindWatch; ready: Promise<ApiResourceInfo | undefined> }
  >();
  private readonly objects = new Map<string, { obj: KubernetesObject; bytes: number }>();
  private readonly interest = new Set<string>();
  /**
   * The key of every object of each watched kind, kept or not (a key, not the
   * object): `want` then fetches only objects that exist.
   */
  private readonly existing = new Map<string, Set<string>>();
  /**
   * Objects of watched kinds without owner references, by namespace (key
   * strings): what could be orphaned, answered without a list.
   */
  private readonly topLevel = new Map<string, Set<string>>();
  /**
   * Cached objects by the app their tracking id names (`namespace/name` →
   * key strings), so an app's live objects are found without a scan of the
   * whole cache: a scan per comparison parsed every object's tracking id, and
   * made a comparison O(objects in the cluster). An app with one object (the
   * usual case) has its key string rather than a Set (a Set costs 130 bytes).
   */
  private readonly byOwner = new Map<string, string | Set<string>>();
  private readonly ownerOfKey = new Map<string, string>();
  private readonly listeners = new Set<(e: CacheEvent) => void>();
  private readonly connectionListeners = new Set<(down: ClusterUnreachable | undefined) => void>();
  private down?: { error: Error; since: Date };
  private probe?: NodeJS.Timeout;
  private probes = 0;
  private stopped = false;
  private bytes = 0;

  constructor(
    private readonly kc: KubeAccess,
    private readonly onError: (err: Error, kind: string) => void = () => undefined,
  ) {
    this.discovery = new Discovery(kc);
    this.server = kc.getCurrentCluster()?.server ?? 'unknown';
    this.unregisterProbe = registerClusterProbe(this.server, () => ({
      resources: this.objects.size,
      reachable: this.down === undefined,
    }));
  }

  private readonly server: string;
  private readonly unregisterProbe: () => void;

  private retained(key: string, obj: KubernetesObject): boolean {
    const a = obj.metadata?.annotations;
    return this.interest.has(key) || (a !== undefined && TRACKING_ANNOTATIONS.some((t) => t in a));
  }

  /** Keeps (or drops) an object; `key` and `k` are its key and key string when the caller has them. */
  private put(
    obj: KubernetesObject,
    emit: boolean,
    key: ResourceKey = keyOf(obj),
    k: string = resourceKeyString(key),
  ): void {
    const previous = this.objects.get(k);
    if (!this.retained(k, obj)) {
      if (previous) this.remove(obj, emit);
      return;
    }
    // A relist (after 410 Gone or an apiserver restart) hands back every object;
    // one at the version held is the object held, compacted already, and no news.
    const version = obj.metadata?.resourceVersion;
    if (version !== undefined && previous?.obj.metadata?.resourceVersion === version) return;
    // Held until it changes: strings and managedFields trees it shares with others are shared.
    compactObject(obj, previous?.obj);
    const bytes = JSON.stringify(obj).length;
    this.bytes += bytes - (previous?.bytes ?? 0);
    this.objects.set(k, { obj, bytes });
    this.track(k, obj);
    if (emit)
      this.emit({
        type: previous ? 'MODIFIED' : 'ADDED',
        key,
        object: obj,
        ...(previous ? { previous: previous.obj } : {}),
      });
  }

  private remove(obj: KubernetesObject, emit: boolean): void {
    const key = keyOf(obj);
    const k = resourceKeyString(key);
    const previous = this.objects.get(k);
    if (!previous) return;
    this.objects.delete(k);
    this.track(k, undefined);
    this.bytes -= previous.bytes;
    if (emit) this.emit({ type: 'DELETED', key, object: previous.obj, previous: previous.obj });
  }

  /** Notes which app (if any) the object's tracking id names, or that it is gone. */
  private track(k: string, obj: KubernetesObject | undefined): void {
    const owner = obj ? ownerOf(obj as DiffObject) : undefined;
    const next = owner ? appKey(owner.app) : undefined;
    const prev = this.ownerOfKey.get(k);
    if (prev === next) return;
    if (prev !== undefined) {
      const keys = this.byOwner.get(prev);
      if (keys === k) this.byOwner.delete(prev);
      else if (typeof keys === 'object') {
        keys.delete(k);
        const [only] = keys;
        if (only === undefined) this.byOwner.delete(prev);
        else if (keys.size === 1) this.byOwner.set(prev, only);
      }
      this.ownerOfKey.delete(k);
    }
    if (next !== undefined) {
      const keys = this.byOwner.get(next);
      if (keys === undefined) this.byOwner.set(next, k);
      else if (typeof keys === 'string') {
        if (keys !== k) this.byOwner.set(next, new Set([keys, k]));
      } else keys.add(k);
      this.ownerOfKey.set(k, next);
    }
  }

  /**
   * The cached objects whose tracking id names `app` (not checked further:
   * callers apply their own test, such as the id naming the object itself).
   */
  trackedBy(app: AppRef): KubernetesObject[] {
    const out: KubernetesObject[] = [];
    const keys = this.byOwner.get(appKey(app)) ?? [];
    for (const k of typeof keys === 'string' ? [keys] : keys) {
      const v = this.objects.get(k);
      if (v) out.push(v.obj);
    }
    return out;
  }

  /** Notes a watched object in the namespace index: top-level or not, or gone. */
  private index(k: string, key: ResourceKey, obj: KubernetesObject | undefined): void {
    const ns = key.namespace;
    if (!ns) return;
    const owned = (obj?.metadata?.ownerReferences?.length ?? 0) > 0;
    let m = this.topLevel.get(ns);
    if (obj && !owned) {
      if (!m) this.topLevel.set(ns, (m = new Set()));
      m.add(k);
    } else if (m) {
      m.delete(k);
      if (m.size === 0) this.topLevel.delete(ns);
    }
  }

  /** Forgets every object of a kind in the namespace index (before a relist, or when it is gone). */
  private unindexKind(kk: string): void {
    // A key string is `group/kind/namespace/name`; none of the first three holds a `/`.
    for (const k of this.existing.get(kk) ?? []) {
      const ns = k.split('/')[2] ?? '';
      const m = this.topLevel.get(ns);
      if (m?.delete(k) && m.size === 0) this.topLevel.delete(ns);
    }
  }

  /**
   * Objects of the watched kinds in `namespace` that have no owner and that
   * no app tracks (no tracking annotation) or wants: candidates for Argo CD's
   * orphaned resources. Answered from memory; kinds not watched are not seen.
   */
  untracked(namespace: string): ResourceKey[] {
    const out: ResourceKey[] = [];
    for (const k of this.topLevel.get(namespace) ?? []) {
      if (this.objects.has(k) || this.interest.has(k)) continue;
      // A key string is `group/kind/namespace/name`; none of the first three holds a `/`.
      const [group = '', kind = '', ns = '', ...name] = k.split('/');
      out.push({ group, kind, namespace: ns, name: name.join('/') });
    }
    return out;
  }

  private emit(e: CacheEvent): void {
    for (const l of this.listeners) l(e);
  }

  /**
   * Tells the cache that a request to its cluster failed. A connection error
   * (see {@link isClusterConnectionError}) marks the cluster unreachable until
   * a request succeeds; meanwhile the cache probes the apiserver with back-off.
   */
  noteFailure(err: unknown): void {
    if (this.stopped || !isClusterConnectionError(err)) return;
    const error = new Error(describeConnectionError(err), { cause: err });
    if (this.down) {
      // The latest account of the same outage.
      if (this.down.error.message !== error.message) this.down = { error, since: this.down.since };
      return;
    }
    this.down = { error, since: new Date() };
    this.probes = 0;
    this.scheduleProbe();
    for (const l of this.connectionListeners) l(this.down);
  }

  private noteSuccess(): void {
    if (!this.down) return;
    this.down = undefined;
    clearTimeout(this.probe);
    this.probe = undefined;
    // Watches waiting out a back-off resume now rather than up to 10 s later.
    for (const k of this.kinds.values()) k.watch?.retryNow();
    for (const l of this.connectionListeners) l(undefined);
  }

  private scheduleProbe(): void {
    clearTimeout(this.probe);
    const delay = Math.min(10_000, 500 * 2 ** this.probes++);
    this.probe = setTimeout(() => {
      void this.probeNow().then((answered) => {
        if (!answered && this.down && !this.stopped) this.scheduleProbe();
      });
    }, delay);
    this.probe.unref?.();
  }

  /**
   * Asks the apiserver for its version now and notes the outcome: an answer
   * ends an outage (the watches resume at once), a connection error starts
   * one. True when it answered. For a caller that must know before acting,
   * rather than wait for the watches or the next scheduled probe to tell.
   */
  probeNow(): Promise<boolean> {
    return rawRequest(this.kc, { method: 'GET', path: '/version', timeoutMs: 5_000 }).then(
      () => {
        this.noteSuccess();
        return true;
      },
      (err: unknown) => {
        // Any other error is an answer: the cluster is there and takes the credentials.
        if (!isClusterConnectionError(err)) {
          this.noteSuccess();
          return true;
        }
        this.noteFailure(err);
        return false;
      },
    );
  }

  /** Whether the cluster answers: at once while it is known to, else after {@link probeNow}. */
  async reachableNow(): Promise<boolean> {
    if (!this.down) return true;
    return this.probeNow();
  }

  /** Set while the cluster cannot be reached (or refuses the credentials): the error and since when. */
  unreachable(): ClusterUnreachable | undefined {
    return this.down;
  }

  /**
   * Subscribes to reachability changes: called with the error when the cluster
   * becomes unreachable, with undefined when it answers again.
   */
  onReachability(listener: (down: ClusterUnreachable | undefined) => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  /**
   * The keys of manifests in this cluster: a namespaced kind with no namespace
   * gets `defaultNamespace`; a cluster-scoped kind gets none. Kinds the
   * cluster does not serve (yet) are left out.
   */
  keysOf(objects: readonly KubernetesObject[], defaultNamespace: string): ResourceKey[] {
    const out: ResourceKey[] = [];
    for (const obj of objects) {
      const key = keyOf(obj);
      const namespaced = this.discovery.isNamespaced(key.group, key.kind);
      if (namespaced === undefined) continue;
      out.push({ ...key, namespace: namespaced ? key.namespace || defaultNamespace : '' });
    }
    return out;
  }

  /**
   * The cached objects among `keys`, and those tracked by `tracked.app` that
   * `tracked.accept` takes: looked up, not scanned.
   */
  among(
    keys: readonly ResourceKey[],
    tracked?: { app: AppRef; accept: (obj: KubernetesObject) => boolean },
  ): KubernetesObject[] {
    const out = new Map<string, KubernetesObject>();
    for (const key of keys) {
      const k = resourceKeyString(key);
      const v = this.objects.get(k);
      if (v) out.set(k, v.obj);
    }
    if (tracked) {
      for (const obj of this.trackedBy(tracked.app)) {
        const k = resourceKeyString(keyOf(obj));
        if (!out.has(k) && tracked.accept(obj)) out.set(k, obj);
      }
    }
    return [...out.values()];
  }

  /**
   * Starts watching every kind the objects and the extra (group, kind) pairs
   * name (an app's manifests and its `status.resources`, say), resolving after
   * each first list. A kind the cluster does not serve is skipped here; it
   * shows where it is used.
   */
  async ensureKindsOf(
    objects: readonly KubernetesObject[],
    extra: readonly { group?: string | undefined; kind?: string | undefined }[] = [],
  ): Promise<void> {
    const kinds = new Map<string, { group: string; kind: string }>();
    for (const { group, kind } of [...objects.map(keyOf), ...extra]) {
      const k = { group: group ?? '', kind: kind ?? '' };
      kinds.set(kindKey(k.group, k.kind), k);
    }
    await Promise.all(
      [...kinds.values()].map((k) => this.ensureKind(k.group, k.kind).catch(() => undefined)),
    );
  }

  /**
   * Starts watching (group, kind) if nobody did yet, resolving after its first
   * list. Undefined when the cluster does not serve the kind (yet).
   */
  ensureKind(group: string, kind: string): Promise<ApiResourceInfo | undefined> {
    const kk = kindKey(group, kind);
    const existing = this.kinds.get(kk);
    if (existing) return existing.ready;
    const entry: { watch?: KindWatch; ready: Promise<ApiResourceInfo | undefined> } = {
      ready: Promise.resolve(undefined),
    };
    entry.ready = (async () => {
      const info = await this.discovery.lookup(group, kind);
      if (!info || !info.verbs.includes('watch')) {
        this.kinds.delete(kk); // ask again later: the CRD may arrive
        return undefined;
      }
      const watch = new KindWatch(this.kc, info, {
        onList: (items) => {
          const seen = new Set<string>();
          this.unindexKind(kk);
          for (const obj of items) {
            const key = keyOf(obj);
            const k = resourceKeyString(key);
            seen.add(k);
            this.index(k, key, obj);
            this.put(obj, true, key, k);
          }
          this.existing.set(kk, seen);
          for (const [k, v] of [...this.objects]) {
            const key = keyOf(v.obj);
            if (key.group === group && key.kind === kind && !seen.has(k)) this.remove(v.obj, true);
          }
        },
        onChange: (c) => {
          const key = keyOf(c.object);
          const k = resourceKeyString(key);
          if (c.type === 'DELETED') {
            this.existing.get(kk)?.delete(k);
            this.index(k, key, undefined);
            this.remove(c.object, true);
          } else {
            this.existing.get(kk)?.add(k);
            this.index(k, key, c.object);
            this.put(c.object, true, key, k);
          }
        },
        onError: (err) => {
          // While the whole cluster is down, one line about it says enough.
          if (!isClusterConnectionError(err)) this.onError(err, kk);
        },
        onFailure: (err) => {
          appMetrics.watchRestarts.inc({ server: this.server });
          this.noteFailure(err);
        },
        onConnected: () => this.noteSuccess(),
        onGone: () => {
          // The CRD went away: its objects are gone, and the kind may be served again later.
          for (const v of [...this.objects.values()]) {
            const key = keyOf(v.obj);
            if (key.group === group && key.kind === kind) this.remove(v.obj, true);
          }
          this.kinds.delete(kk);
          this.unindexKind(kk);
          this.existing.delete(kk);
          this.discovery.invalidate();
        },
      });
      entry.watch = watch;
      try {
        await watch.start();
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) {
          // Discovery was stale: the kind went away (its CRD was deleted).
          this.discovery.invalidate();
          this.kinds.delete(kk);
          return undefined;
        }
        throw err;
      }
      return info;
    })();
    this.kinds.set(kk, entry);
    entry.ready.catch((err: unknown) => {
      this.kinds.delete(kk);
      this.noteFailure(err);
    });
    return entry.ready;
  }

  /**
   * Declares that an app wants these objects whether or not they carry a
   * tracking annotation (its desired set). Objects of watched kinds that were
   * not kept are fetched once.
   */
  async want(keys: readonly ResourceKey[]): Promise<void> {
    const missing: ResourceKey[] = [];
    for (const key of keys) {
      const k = resourceKeyString(key);
      if (!this.interest.has(k)) {
        this.interest.add(k);
        if (!this.objects.has(k)) missing.push(key);
      }
    }
    await Promise.all(
      missing.map(async (key) => {
        const info = await this.ensureKind(key.group, key.kind);
        if (!info) return;
        // The kind's watch knows every object of it: one it never saw does not exist
        // (and its ADDED event, should it come, is kept now that it is wanted).
        if (this.existing.get(kindKey(key.group, key.kind))?.has(resourceKeyString(key)) === false)
          return;
        const path = `${collectionPath(info, key.namespace || undefined)}/${encodeURIComponent(key.name)}`;
        try {
          const obj = await rawRequest<KubernetesObject>(this.kc, { method: 'GET', path });
          this.put(obj, false);
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 404)) {
            this.noteFailure(err);
            this.interest.delete(resourceKeyString(key)); // fetch it again next time
            throw err;
          }
        }
      }),
    );
  }

  /** Forgets interest in keys (an app was deleted or its desired set shrank). */
  unwant(keys: readonly ResourceKey[]): void {
    for (const key of keys) {
      const k = resourceKeyString(key);
      this.interest.delete(k);
      const cached = this.objects.get(k);
      if (cached && !this.retained(k, cached.obj)) this.remove(cached.obj, false);
    }
  }

  /** The cached object for a key. */
  get(key: ResourceKey): KubernetesObject | undefined {
    return this.objects.get(resourceKeyString(key))?.obj;
  }

  /** Every cached object that matches. */
  filter(pred: (obj: KubernetesObject) => boolean): KubernetesObject[] {
    return [...this.objects.values()].map((v) => v.obj).filter(pred);
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  subscribe(listener: (e: CacheEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sizes for metrics. */
  stats(): CacheStats {
    let lists = 0;
    for (const k of this.kinds.values()) lists += k.watch?.lists ?? 0;
    return { kinds: this.kinds.size, objects: this.objects.size, bytes: this.bytes, lists };
  }

  /** Stops every watch. */
  stop(): void {
    this.stopped = true;
    this.unregisterProbe();
    clearTimeout(this.probe);
    for (const k of this.kinds.values()) k.watch?.stop();
    this.kinds.clear();
  }
}
