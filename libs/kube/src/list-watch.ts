// A list-then-watch cache of one collection, with client-node's informer
// interface (`on`/`off`, `get`/`list`, `start`/`stop`) and semantics: a watch
// that ends is resumed from the last resourceVersion, a 410 Gone lists
// again, and any other failure is told to the `error` callbacks, after
// which the cache waits for `start()`. Requests go through rawRequest and
// watchRequest, so it loads nothing of client-node.
import type {
  ErrorCallback,
  Informer,
  KubernetesObject,
  ObjectCache,
  ObjectCallback,
} from '@kubernetes/client-node';
import type { KubeAccess } from './kubeconfig.js';
import { ApiError, rawRequest } from './raw.js';
import { watchRequest, type WatchRequest } from './watch.js';

/** Options of a {@link ListWatch}. */
export interface ListWatchOptions<T> {
  readonly labelSelector?: string;
  /** Called on each object before it is stored (and before any callback sees it). */
  readonly transform?: (object: T) => void;
  /** Objects per list page. Default 500. */
  readonly pageSize?: number;
}

type ObjectVerb = 'add' | 'update' | 'delete';

interface ListPage<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[];
}

const nameOf = (o: KubernetesObject) => o.metadata?.name ?? '';
const namespaceOf = (o: KubernetesObject) => o.metadata?.namespace ?? '';

/** List-then-watch of the collection at `path` (see the file's comment). */
export class ListWatch<T extends KubernetesObject> implements Informer<T>, ObjectCache<T> {
  /** Objects by namespace ('' for cluster-scoped), then name. */
  private objects = new Map<string, Map<string, T>>();
  private readonly callbacks = {
    add: [] as ObjectCallback<T>[],
    update: [] as ObjectCallback<T>[],
    delete: [] as ObjectCallback<T>[],
    error: [] as ErrorCallback[],
    connect: [] as ErrorCallback[],
  };
  private resourceVersion = '';
  private stopped = false;
  private request?: WatchRequest;
  /** Incremented per watch request; the end of an older one is ignored. */
  private generation = 0;

  constructor(
    private readonly kc: KubeAccess,
    private readonly path: string,
    private readonly options: ListWatchOptions<T> = {},
  ) {}

  on(verb: ObjectVerb | 'change', cb: ObjectCallback<T>): void;
  on(verb: 'error' | 'connect', cb: ErrorCallback): void;
  on(verb: string, cb: ObjectCallback<T> | ErrorCallback): void {
    if (verb === 'change') {
      for (const v of ['add', 'update', 'delete'] as const) this.on(v, cb as ObjectCallback<T>);
      return;
    }
    const list = this.callbacks[verb as keyof typeof this.callbacks] as unknown[] | undefined;
    if (!list) throw new Error(`Unknown verb: ${verb}`);
    list.push(cb);
  }

  off(verb: ObjectVerb | 'change', cb: ObjectCallback<T>): void;
  off(verb: 'error' | 'connect', cb: ErrorCallback): void;
  off(verb: string, cb: ObjectCallback<T> | ErrorCallback): void {
    if (verb === 'change') {
      for (const v of ['add', 'update', 'delete'] as const) this.off(v, cb as ObjectCallback<T>);
      return;
    }
    const list = this.callbacks[verb as keyof typeof this.callbacks] as unknown[] | undefined;
    if (!list) throw new Error(`Unknown verb: ${verb}`);
    const i = list.indexOf(cb);
    if (i >= 0) list.splice(i, 1);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.objects.get(namespace ?? '')?.get(name);
  }

  list(namespace?: string): readonly T[] {
    if (namespace) return [...(this.objects.get(namespace)?.values() ?? [])];
    return [...this.objects.values()].flatMap((m) => [...m.values()]);
  }

  /** Lists (unless a watch can resume) and starts watching; resolves once the watch is open. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    this.request?.abort();
    this.request = undefined;
  }

  private fail(err: unknown): void {
    for (const cb of [...this.callbacks.error]) cb(err);
  }

  private async run(): Promise<void> {
    this.generation++;
    this.request?.abort();
    this.request = undefined;
    if (this.stopped) return;
    for (const cb of [...this.callbacks.connect]) cb(undefined);
    if (!this.resourceVersion) {
      try {
        await this.relist();
      } catch (err) {
        this.fail(err);
        return;
      }
      if (this.stopped) return;
    }
    const generation = ++this.generation;
    const query: Record<string, string> = {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: 'true',
      ...(this.options.labelSelector ? { labelSelector: this.options.labelSelector } : {}),
    };
    const request = await watchRequest(
      this.kc,
      this.path,
      query,
      (type, obj) => {
        if (generation !== this.generation) return;
        if (type === 'ERROR') {
          // The stream ends after it; a 410 lists again then.
          if (obj.code === 410) this.resourceVersion = '';
          return;
        }
        if (type === 'ADDED' || type === 'MODIFIED') this.store(obj as T);
        else if (type === 'DELETED') this.remove(obj as T);
        this.resourceVersion = obj.metadata?.resourceVersion ?? this.resourceVersion;
      },
      (err) => {
        if (generation !== this.generation) return;
        if (err && !(err instanceof ApiError && err.status === 410)) {
          this.request = undefined;
          this.fail(err);
          return;
        }
        if (err) this.resourceVersion = '';
        void this.run();
      },
    );
    if (generation === this.generation) this.request = request;
    else request.abort();
  }

  /** Lists every page and replaces the cache with it, calling back for what changed. */
  private async relist(): Promise<void> {
    const fresh: T[] = [];
    let cont: string | undefined;
    let resourceVersion = '';
    do {
      const page = await rawRequest<ListPage<T>>(this.kc, {
        method: 'GET',
        path: this.path,
        query: {
          limit: String(this.options.pageSize ?? 500),
          ...(this.options.labelSelector ? { labelSelector: this.options.labelSelector } : {}),
          ...(cont ? { continue: cont } : {}),
        },
      });
      for (const item of page.items ?? []) fresh.push(item);
      cont = page.metadata?.continue || undefined;
      resourceVersion = page.metadata?.resourceVersion ?? '';
    } while (cont);
    const seen = new Map<string, Set<string>>();
    for (const o of fresh) {
      const ns = seen.get(namespaceOf(o)) ?? new Set<string>();
      seen.set(namespaceOf(o), ns.add(nameOf(o)));
    }
    for (const [ns, byName] of this.objects)
      for (const [name, old] of byName)
        if (!seen.get(ns)?.has(name)) {
          byName.delete(name);
          if (byName.size === 0) this.objects.delete(ns);
          for (const cb of [...this.callbacks.delete]) cb(old);
        }
    for (const o of fresh) this.store(o);
    this.resourceVersion = resourceVersion;
  }

  private store(obj: T): void {
    this.options.transform?.(obj);
    const ns = namespaceOf(obj);
    let byName = this.objects.get(ns);
    if (!byName) this.objects.set(ns, (byName = new Map()));
    const name = nameOf(obj);
    const found = byName.get(name);
    if (!found) {
      byName.set(name, obj);
      for (const cb of [...this.callbacks.add]) cb(obj);
    } else if (
      found.metadata?.resourceVersion === undefined ||
      found.metadata.resourceVersion !== obj.metadata?.resourceVersion
    ) {
      byName.set(name, obj);
      for (const cb of [...this.callbacks.update]) cb(obj);
    }
  }

  private remove(obj: T): void {
    const ns = namespaceOf(obj);
    const byName = this.objects.get(ns);
    if (!byName?.delete(nameOf(obj))) return;
    if (byName.size === 0) this.objects.delete(ns);
    for (const cb of [...this.callbacks.delete]) cb(obj);
  }
}
