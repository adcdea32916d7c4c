import type { KubeAccess } from '../kubeconfig.js';
import { rawRequest } from '../raw.js';

/** What discovery says about one kind. */
export interface ApiResourceInfo {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
}

interface ResourceList {
  groupVersion: string;
  resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
}
interface GroupList {
  groups: {
    name: string;
    preferredVersion?: { version: string };
    versions: { version: string }[];
  }[];
}

const kindKey = (group: string, kind: string) => `${group}/${kind}`;

/**
 * The apiserver's kinds: group, preferred version, plural and scope. Loaded
 * once and reloaded on a miss (a CRD installed since), at most every
 * `minRefreshMs`.
 */
export class Discovery {
  private byKind = new Map<string, ApiResourceInfo>();
  private loaded?: Promise<void>;
  private lastLoad = 0;

  constructor(
    private readonly kc: KubeAccess,
    private readonly minRefreshMs = 2_000,
  ) {}

  private async load(): Promise<void> {
    const next = new Map<string, ApiResourceInfo>();
    const add = (list: ResourceList) => {
      const [group, version] = list.groupVersion.includes('/')
        ? list.groupVersion.split('/')
        : ['', list.groupVersion];
      for (const r of list.resources) {
        if (r.name.includes('/')) continue; // subresources
        const key = kindKey(group ?? '', r.kind);
        if (!next.has(key)) {
          next.set(key, {
            group: group ?? '',
            version: version ?? 'v1',
            kind: r.kind,
            plural: r.name,
            namespaced: r.namespaced,
            verbs: r.verbs,
          });
        }
      }
    };
    add(await rawRequest<ResourceList>(this.kc, { method: 'GET', path: '/api/v1' }));
    const groups = await rawRequest<GroupList>(this.kc, { method: 'GET', path: '/apis' });
    const lists = await Promise.all(
      groups.groups.map((g) => {
        const v = g.preferredVersion?.version ?? g.versions[0]?.version;
        return rawRequest<ResourceList>(this.kc, {
          method: 'GET',
          path: `/apis/${g.name}/${v}`,
        }).catch(() => undefined);
      }),
    );
    for (const l of lists) if (l) add(l);
    this.byKind = next;
    this.lastLoad = Date.now();
  }

  /** Loads discovery if it never was. */
  async ready(): Promise<void> {
    this.loaded ??= this.reload();
    await this.loaded;
  }

  // A failed load is not kept: the next lookup asks again (the apiserver may be back).
  private reload(): Promise<void> {
    const loading = this.load();
    this.loaded = loading;
    loading.catch(() => {
      if (this.loaded === loading) this.loaded = undefined;
    });
    return loading;
  }

  /** Info for (group, kind); reloads once when unknown. Undefined when the cluster does not serve the kind. */
  async lookup(group: string, kind: string): Promise<ApiResourceInfo | undefined> {
    await this.ready();
    const hit = this.byKind.get(kindKey(group, kind));
    if (hit) return hit;
    if (Date.now() - this.lastLoad >= this.minRefreshMs) {
      await this.reload();
    }
    return this.byKind.get(kindKey(group, kind));
  }

  /** Forgets what is loaded, so the next lookup asks the apiserver again. */
  invalidate(): void {
    this.loaded = undefined;
    this.lastLoad = 0;
  }

  /** Synchronous answer from what is loaded: namespaced, cluster-scoped, or undefined when unknown. */
  isNamespaced(group: string, kind: string): boolean | undefined {
    return this.byKind.get(kindKey(group, kind))?.namespaced;
  }
}

/** The REST path of a kind's collection, cluster-wide or in one namespace. */
export function collectionPath(info: ApiResourceInfo, namespace?: string): string {
  const base = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  return namespace && info.namespaced
    ? `${base}/namespaces/${namespace}/${info.plural}`
    : `${base}/${info.plural}`;
}
