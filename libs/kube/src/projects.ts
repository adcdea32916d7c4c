// AppProjects: one client for reads and writes, and a watched cache the
// services consult on every render, comparison and sync step.
import {
  API_VERSION,
  APP_PROJECT,
  DEFAULT_PROJECT,
  GROUP,
  VERSION,
  appProjectPath,
  type AppProject,
} from '@flotilla/api';
import { defaultProjectSpec, type ProjectView } from '@flotilla/gitops';
import type { Logger } from '@flotilla/runtime';
import type { KubeAccess } from './kubeconfig.js';
import { customResourceInformer } from './informer.js';
import { ApiError, rawRequest } from './raw.js';

/** Reads and writes AppProjects through the apiserver of a kubeconfig. */
export class ProjectClient {
  constructor(private readonly kc: KubeAccess) {}

  /** The project, or undefined when it does not exist. */
  async get(namespace: string, name: string): Promise<AppProject | undefined> {
    try {
      return await rawRequest<AppProject>(this.kc, {
        method: 'GET',
        path: appProjectPath(namespace, name),
      });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Every project of `namespace`. */
  async list(namespace: string): Promise<AppProject[]> {
    const list = await rawRequest<{ items?: AppProject[] }>(this.kc, {
      method: 'GET',
      path: appProjectPath(namespace),
    });
    return list.items ?? [];
  }

  /** Creates a project; an existing one is an {@link ApiError} with status 409. */
  create(namespace: string, project: AppProject): Promise<AppProject> {
    return rawRequest<AppProject>(this.kc, {
      method: 'POST',
      path: appProjectPath(namespace),
      body: project,
    });
  }

  /** Replaces a project's spec (server-side apply would need the whole object too). */
  update(namespace: string, project: AppProject): Promise<AppProject> {
    return rawRequest<AppProject>(this.kc, {
      method: 'PUT',
      path: appProjectPath(namespace, project.metadata.name ?? ''),
      body: project,
    });
  }

  /** Deletes a project; false when it did not exist. */
  async delete(namespace: string, name: string): Promise<boolean> {
    try {
      await rawRequest(this.kc, { method: 'DELETE', path: appProjectPath(namespace, name) });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return false;
      throw err;
    }
  }

  /**
   * Creates the `default` project, which allows everything, unless a project
   * of that name exists (an existing one is never changed).
   */
  async ensureDefault(namespace: string): Promise<void> {
    try {
      await this.create(namespace, {
        apiVersion: API_VERSION,
        kind: APP_PROJECT.kind,
        metadata: { name: DEFAULT_PROJECT, namespace },
        spec: defaultProjectSpec(),
      });
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) return;
      throw err;
    }
  }
}

/** The view of a stored project the rules read. */
export function projectView(project: AppProject): ProjectView {
  return { name: project.metadata.name ?? '', spec: project.spec };
}

/** Options of {@link ProjectStore.start}. */
export interface ProjectStoreOptions {
  readonly kc: KubeAccess;
  /** The control namespace, where AppProjects live. */
  readonly namespace: string;
  /**
   * Creates the `default` project when missing. Only the differ does (so only its
   * ServiceAccount may create AppProjects); the other roles wait for it.
   */
  readonly ensureDefault?: boolean;
  /** Where watch trouble and a wait for `default` are reported; the watch restarts itself. */
  readonly logger?: Pick<Logger, 'warn' | 'info'>;
}

/** True when `a`'s resourceVersion is older than `b`'s (etcd revisions; unknown forms: not older). */
function olderThan(a: AppProject, b: AppProject): boolean {
  const rv = (p: AppProject) => (p.metadata as { resourceVersion?: string }).resourceVersion ?? '';
  const ra = rv(a);
  const rb = rv(b);
  if (!/^\d+$/.test(ra) || !/^\d+$/.test(rb)) return false;
  return BigInt(ra) < BigInt(rb);
}

/**
 * A watched cache of the AppProjects of the control namespace. `get` answers
 * from memory; `fresh` asks the apiserver, for the checks that must see an
 * edit made a moment ago. A fresh read is kept until the watch delivers that
 * version or a newer one, so `get` never answers older than the last `fresh`.
 */
export class ProjectStore {
  private stopping = false;
  /** The last fresh read of each project, while the watch may still be behind it. */
  private readonly pinned = new Map<string, AppProject>();
  private restart: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(name: string) => void>();
  /** Reads waiting for `default` to appear; each looks again at every change and at stop. */
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly options: ProjectStoreOptions,
    private readonly informer: ReturnType<typeof customResourceInformer<AppProject>>,
    private readonly client: ProjectClient,
  ) {}

  /** Lists, then watches; resolves once the first list is in memory. */
  static async start(options: ProjectStoreOptions): Promise<ProjectStore> {
    const client = new ProjectClient(options.kc);
    if (options.ensureDefault === true) await client.ensureDefault(options.namespace);
    const informer = customResourceInformer<AppProject>(
      options.kc,
      { group: GROUP, version: VERSION, plural: APP_PROJECT.plural },
      options.namespace,
    );
    const store = new ProjectStore(options, informer, client);
    const notify = (p: AppProject) => {
      const name = p.metadata.name ?? '';
      const pin = store.pinned.get(name);
      if (pin && !olderThan(p, pin)) store.pinned.delete(name);
      for (const l of store.listeners) l(name);
      for (const w of [...store.waiters]) w();
    };
    informer.on('add', notify);
    informer.on('update', notify);
    informer.on('delete', (p) => {
      store.pinned.delete(p.metadata.name ?? '');
      notify(p);
    });
    informer.on('error', (err) => {
      // Stopping aborts the watch: that is no trouble.
      if (store.stopping) return;
      options.logger?.warn({ err: String(err) }, 'project watch trouble; restarting in 2 s');
      store.restart = setTimeout(() => void informer.start().catch(() => undefined), 2_000);
    });
    await informer.start();
    if (!store.get(DEFAULT_PROJECT)) {
      options.logger?.info(
        { project: DEFAULT_PROJECT, namespace: options.namespace },
        "AppProject 'default' does not exist yet; the differ creates it when it starts, and apps of project 'default' wait for it",
      );
    }
    return store;
  }

  /**
   * Calls `listener` with a project's name after it was added, changed or
   * deleted (the first list counts only for listeners added before start
   * returned, so none); returns the unsubscribe function.
   */
  onChange(listener: (name: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The project as last seen by the watch (or by a newer fresh read), or
   * undefined when there is none.
   */
  get(name: string): ProjectView | undefined {
    const watched = this.informer.get(name, this.options.namespace);
    const pin = this.pinned.get(name);
    const p = pin && (!watched || olderThan(watched, pin)) ? pin : watched;
    return p ? projectView(p) : undefined;
  }

  /** The project as the apiserver has it now; `get` answers at least this version after. */
  async fresh(name: string): Promise<ProjectView | undefined> {
    const p = await this.client.get(this.options.namespace, name);
    if (p) this.pinned.set(name, p);
    else this.pinned.delete(name);
    return p ? projectView(p) : undefined;
  }

  /**
   * The project (`fresh` or from memory); a missing `default` is waited for
   * through the watch (the differ creates it), with a log line, instead of
   * counting as missing. Other missing projects are undefined at once.
   */
  async current(name: string, read: { fresh?: boolean } = {}): Promise<ProjectView | undefined> {
    const found = read.fresh ? await this.fresh(name) : this.get(name);
    if (found || name !== DEFAULT_PROJECT || this.stopping) return found;
    this.options.logger?.info(
      { project: name, namespace: this.options.namespace },
      "waiting for AppProject 'default': the differ creates it when it starts",
    );
    return new Promise((resolve) => {
      const waiter = () => {
        const p = this.get(name);
        if (!p && !this.stopping) return;
        this.waiters.delete(waiter);
        resolve(p);
      };
      this.waiters.add(waiter);
      // It may have arrived between the read and the subscription.
      waiter();
    });
  }

  /** Every project in memory. */
  list(): ProjectView[] {
    return this.informer.list(this.options.namespace).map(projectView);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const w of [...this.waiters]) w();
    if (this.restart) clearTimeout(this.restart);
    await this.informer.stop();
  }
}
