import { join } from 'node:path';
import { matchChartCredential, type RepoCredential } from '@flotilla/git';
import { RenderError } from '../errors.js';
import {
  basicAuth,
  httpGet,
  measured,
  shownUrl,
  statusError,
  type ChartOp,
  type RepoTls,
} from './http.js';
import { parseIndex, type IndexEntry } from './index.js';
import { CHART_LAYER, OciRegistry, TREE_LAYER } from './oci.js';
import { ChartStore, sha256, type StoreEntry, type StoredChart } from './store.js';
import { isDigest, isTagConstraint, pickVersion } from './versions.js';

/** A chart to fetch: Argo CD's `repoURL` + `chart` + `targetRevision`. */
export interface ChartSpec {
  readonly repoURL: string;
  readonly chart: string;
  readonly targetRevision?: string;
}

/** A fetched chart: where it is unpacked, and what it is. */
export interface PulledChart extends StoredChart {
  /** The version (tag) pulled, or the digest asked for. */
  readonly revision: string;
  /**
   * Lets the store's clean-up remove it again: until then it is held. Call
   * it once the render that reads `dir` or `archive` is done.
   */
  release(): void;
}

/** An OCI artifact source (Argo CD 3.1's `type: oci`): `oci://host/repo` at a tag, constraint or digest. */
export interface ArtifactSpec {
  readonly repoURL: string;
  readonly targetRevision?: string;
}

/** A pulled OCI artifact: its unpacked tree, and the manifest digest it was pulled at. */
export interface PulledArtifact extends StoredChart {
  /** The manifest's digest (`sha256:...`): the source's revision. */
  readonly revision: string;
  /** As {@link PulledChart.release}. */
  release(): void;
}

/** What a {@link ChartClient.gc} removed, and what the store holds after it. */
export interface ChartStoreGc {
  readonly removed: number;
  readonly removedBytes: number;
  readonly bytes: number;
}

/**
 * True for a source that is an OCI artifact holding manifests, a Kustomize
 * tree or a chart at its `path` (Argo CD's `type: oci`): an `oci://`
 * repoURL without `chart`.
 */
export function isOciArtifactSource(source: { repoURL: string; chart?: string }): boolean {
  return !source.chart && /^oci:\/\//i.test(source.repoURL.trim());
}

/** Settings of a {@link ChartClient}. */
export interface ChartClientOptions {
  /** Where the content-addressed chart store lives. */
  readonly cacheDir: string;
  /** Repository credentials (Argo CD repository and repo-creds Secrets), the list Git uses too. */
  readonly credentials?: () => readonly RepoCredential[];
  /** Extra trusted CA certificates by host (`host` or `host:port`), as in `argocd-tls-certs-cm`. */
  readonly trustedCerts?: () => Readonly<Record<string, string>>;
  /** Largest chart archive fetched (compressed); 20 MiB unless set. */
  readonly maxArchiveBytes?: number;
  /** Largest chart unpacked; 64 MiB unless set. */
  readonly maxChartBytes?: number;
  /** Largest index.yaml; 32 MiB unless set. */
  readonly maxIndexBytes?: number;
  readonly timeoutMs?: number;
  readonly maxAliasCount?: number;
  /**
   * Largest size of the store (charts and artifacts, archives and unpacked):
   * after a new entry, the least recently used entries no render holds go
   * until it fits. Unbounded unless set.
   */
  readonly maxCacheBytes?: number;
  /**
   * Entries used this recently stay even over the limit, since a process
   * sharing the directory may be reading them; 10 minutes unless set.
   */
  readonly keepUsedWithinMs?: number;
}

/**
 * Where a Helm repository's listing ({@link ChartClient.versions}) gives the
 * archive digest its index announces for a chart version: a name no chart
 * can have.
 */
export function chartDigestField(chart: string, version: string): string {
  return `digest:${chart}@${version}`;
}

// Index entries remembered between a resolve and its pull (and registry authorizations), oldest dropped first.
const ANNOUNCED_KEPT = 2000;

type Location =
  | { readonly kind: 'oci'; readonly base: string; readonly repo: string; readonly shown: string }
  | { readonly kind: 'http'; readonly url: string; readonly shown: string };

/**
 * Fetches Helm charts from HTTP(S) repositories (index.yaml) and OCI
 * registries with the credentials of the matching repository Secret, and
 * keeps them in a {@link ChartStore} by archive digest, so a chart is
 * downloaded once however many apps and values render it.
 */
export class ChartClient {
  readonly store: ChartStore;
  /** OCI artifacts' trees, by layer digest, beside the charts. */
  readonly trees: ChartStore;
  /** Digest of each (repository, chart, version) seen, so a known chart is not downloaded again. */
  private readonly digests = new Map<string, string>();
  /**
   * Index entries of the charts last resolved, so the pull that follows a
   * resolve reads no index again: one index.yaml per render.
   */
  private readonly announced = new Map<string, IndexEntry>();
  /** The last `Authorization` each OCI repository accepted, by repository and credentials. */
  private readonly authorizations = new Map<string, string>();
  private cleaning: Promise<ChartStoreGc> | undefined;
  private cleanAgain = false;

  constructor(private readonly o: ChartClientOptions) {
    this.store = new ChartStore(join(o.cacheDir, 'charts'));
    this.trees = new ChartStore(join(o.cacheDir, 'artifacts'), 'tree');
  }

  private get limits() {
    return {
      archive: this.o.maxArchiveBytes ?? 20 * 1024 * 1024,
      chart: this.o.maxChartBytes ?? 64 * 1024 * 1024,
      index: this.o.maxIndexBytes ?? 32 * 1024 * 1024,
      timeoutMs: this.o.timeoutMs ?? 60_000,
    };
  }

  private credential(repoURL: string): RepoCredential | undefined {
    return matchChartCredential(repoURL, this.o.credentials?.() ?? []);
  }

  private tls(host: string, cred: RepoCredential | undefined): RepoTls {
    const certs = this.o.trustedCerts?.() ?? {};
    const ca = certs[host] ?? certs[host.replace(/:\d+$/, '')];
    return {
      ...(ca ? { ca } : {}),
      ...(cred?.tlsClientCertData && cred.tlsClientCertKey
        ? { cert: cred.tlsClientCertData, key: cred.tlsClientCertKey }
        : {}),
      ...(cred?.insecure ? { insecure: true } : {}),
    };
  }

  private locate(spec: ChartSpec, cred: RepoCredential | undefined, artifact = false): Location {
    const url = spec.repoURL.trim();
    if (
      !artifact &&
      (!spec.chart || /[\s\\]|\.\./.test(spec.chart) || spec.chart.startsWith('/'))
    ) {
      throw new RenderError('InvalidSource', `chart name ${JSON.stringify(spec.chart)} is invalid`);
    }
    const oci =
      /^oci:\/\//i.test(url) || (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !!cred?.enableOCI);
    if (oci) {
      const rest = url.replace(/^oci:\/\//i, '').replace(/\/+$/, '');
      const slash = rest.indexOf('/');
      const host = slash < 0 ? rest : rest.slice(0, slash);
      const path = slash < 0 ? '' : rest.slice(slash + 1);
      if (!host || /[^A-Za-z0-9.:[\]-]/.test(host)) {
        throw new RenderError(
          'InvalidSource',
          `repoURL ${JSON.stringify(shownUrl(`oci://${rest}`))} names no registry host`,
        );
      }
      if (artifact && (!path || /\.\.|[\s\\]/.test(path)))
        throw new RenderError(
          'InvalidSource',
          `repoURL ${JSON.stringify(shownUrl(`oci://${rest}`))} names no repository`,
        );
      const scheme = cred?.insecureOCIForceHttp ? 'http' : 'https';
      const repo = [path, spec.chart].filter(Boolean).join('/').toLowerCase();
      return { kind: 'oci', base: `${scheme}://${host}`, repo, shown: `oci://${host}/${repo}` };
    }
    if (/^https?:\/\//i.test(url))
      return {
        kind: 'http',
        url: url.replace(/\/+$/, ''),
        shown: `${shownUrl(url)} chart ${spec.chart}`,
      };
    throw new RenderError(
      'InvalidSource',
      `repoURL ${JSON.stringify(shownUrl(`x://${url}`).slice(4))} has no scheme: write oci://${url} or https://${url}, ` +
        'or add a repository Secret for it with enableOCI: "true"',
    );
  }

  private registry(
    loc: Extract<Location, { kind: 'oci' }>,
    cred: RepoCredential | undefined,
    signal?: AbortSignal,
  ): OciRegistry {
    // Per repository (a token's scope) and per credentials (a changed Secret asks again).
    const key = sha256(
      Buffer.from(JSON.stringify([loc.base, loc.repo, cred?.username ?? '', cred?.password ?? ''])),
    );
    return new OciRegistry({
      base: loc.base,
      remembered: {
        get: () => this.authorizations.get(key),
        set: (value) => {
          this.authorizations.delete(key);
          this.authorizations.set(key, value);
          if (this.authorizations.size > ANNOUNCED_KEPT)
            this.authorizations.delete(this.authorizations.keys().next().value!);
        },
      },
      ...(cred?.username !== undefined ? { username: cred.username } : {}),
      ...(cred?.password !== undefined ? { password: cred.password } : {}),
      tls: this.tls(new URL(loc.base).host, cred),
      timeoutMs: this.limits.timeoutMs,
      ...(signal ? { signal } : {}),
    });
  }

  private async index(
    loc: Extract<Location, { kind: 'http' }>,
    cred: RepoCredential | undefined,
    signal?: AbortSignal,
  ) {
    const url = `${loc.url}/index.yaml`;
    const what = `index.yaml of ${shownUrl(loc.url)}`;
    const body = await this.repoGet('index', url, cred, this.limits.index, what, signal);
    return parseIndex(body.toString('utf8'), what, this.o.maxAliasCount ?? 100);
  }

  private entries(index: Map<string, IndexEntry[]>, spec: ChartSpec, loc: Location): IndexEntry[] {
    const entries = index.get(spec.chart);
    if (!entries?.length)
      throw new RenderError('ChartNotFound', `${loc.shown} is not in the repository's index`);
    return entries;
  }

  /**
   * The listing a spec's targetRevision is picked from: a Helm repository's
   * index (shared by every chart in it) or one OCI repository's tags. `oci`
   * names the registry host and repository, what a registry's push
   * notification names.
   */
  listing(spec: ChartSpec): { key: string; oci?: { host: string; repo: string } } {
    const loc = this.locate(spec, this.credential(spec.repoURL));
    if (loc.kind === 'http') return { key: `index:${loc.url}` };
    const host = new URL(loc.base).host;
    return { key: loc.shown, oci: { host, repo: loc.repo } };
  }

  /**
   * Every version of the listing a spec reads, by chart name: all charts of
   * a Helm repository's index (with, under {@link chartDigestField}, the
   * archive digest announced for each version), or the spec's chart's OCI
   * tags. One call.
   */
  async versions(spec: ChartSpec, signal?: AbortSignal): Promise<Record<string, string[]>> {
    const cred = this.credential(spec.repoURL);
    const loc = this.locate(spec, cred);
    if (loc.kind === 'oci') {
      // OCI tags cannot hold `+`: Helm pushes 1.0.0+build as 1.0.0_build.
      const tags = await this.registry(loc, cred, signal).tags(loc.repo);
      return { [spec.chart]: tags.map((t) => t.replace(/_/g, '+')) };
    }
    const index = await this.index(loc, cred, signal);
    for (const e of index.get(spec.chart) ?? []) this.remember(`${loc.shown}@${e.version}`, e);
    const out: Record<string, string[]> = {};
    for (const [name, list] of index) {
      out[name] = list.map((e) => e.version);
      for (const e of list)
        if (e.digest)
          out[chartDigestField(name, e.version)] = [`sha256:${e.digest.replace(/^sha256:/, '')}`];
    }
    return out;
  }

  /** The exact version a spec's targetRevision means in a listing {@link versions} returned. */
  pick(versions: Readonly<Record<string, readonly string[]>>, spec: ChartSpec): string {
    const loc = this.locate(spec, this.credential(spec.repoURL));
    const list = versions[spec.chart];
    if (!list?.length && loc.kind === 'http')
      throw new RenderError('ChartNotFound', `${loc.shown} is not in the repository's index`);
    return pickVersion(list ?? [], spec.targetRevision?.trim() ?? '', loc.shown);
  }

  /**
   * The exact version (or digest) a spec's targetRevision means now: a tag
   * list or index read, one call. Digests are returned as they are.
   */
  async resolve(spec: ChartSpec, signal?: AbortSignal): Promise<string> {
    if (isDigest(spec.targetRevision?.trim() ?? '')) {
      const loc = this.locate(spec, this.credential(spec.repoURL));
      if (loc.kind === 'oci') return spec.targetRevision!.trim();
    }
    return this.pick(await this.versions(spec, signal), spec);
  }

  private locateArtifact(spec: ArtifactSpec) {
    const cred = this.credential(spec.repoURL);
    const loc = this.locate({ repoURL: spec.repoURL, chart: '' }, cred, true);
    if (loc.kind !== 'oci')
      throw new RenderError('InvalidSource', `${loc.shown} is not an oci:// repository`);
    return { loc, cred };
  }

  /** The tag listing an artifact source is picked from (one per OCI repository, shared with charts). */
  artifactListing(spec: ArtifactSpec): { key: string; oci: { host: string; repo: string } } {
    const { loc } = this.locateArtifact(spec);
    return { key: loc.shown, oci: { host: new URL(loc.base).host, repo: loc.repo } };
  }

  /** Every tag of an artifact's repository: one call. */
  async artifactTags(spec: ArtifactSpec, signal?: AbortSignal): Promise<string[]> {
    const { loc, cred } = this.locateArtifact(spec);
    return this.registry(loc, cred, signal).tags(loc.repo);
  }

  /**
   * The tag an artifact's targetRevision names: itself, or for a semver
   * constraint (`1.x`, `>=1.0 <2`, empty or `*`) the highest tag matching it.
   */
  pickArtifactTag(tags: readonly string[], spec: ArtifactSpec): string {
    const target = spec.targetRevision?.trim() ?? '';
    if (!isTagConstraint(target)) return target;
    return pickVersion(tags, target, this.locateArtifact(spec).loc.shown);
  }

  /** The digest of the manifest `tag` names now: one HEAD. */
  async artifactDigest(spec: ArtifactSpec, tag: string, signal?: AbortSignal): Promise<string> {
    const { loc, cred } = this.locateArtifact(spec);
    try {
      return await this.registry(loc, cred, signal).digest(loc.repo, tag);
    } catch (err) {
      if (err instanceof RenderError && err.code === 'ChartNotFound')
        throw new RenderError('ChartNotFound', `${loc.shown} has no tag ${JSON.stringify(tag)}`);
      throw err;
    }
  }

  /**
   * The manifest digest an artifact source means now: a digest as it is; a
   * tag's current digest (one HEAD); for a constraint, a tag listing first.
   */
  async resolveArtifact(spec: ArtifactSpec, signal?: AbortSignal): Promise<string> {
    const target = spec.targetRevision?.trim() ?? '';
    if (isDigest(target)) return target;
    const tag = isTagConstraint(target)
      ? this.pickArtifactTag(await this.artifactTags(spec, signal), spec)
      : target;
    return this.artifactDigest(spec, tag, signal);
  }

  /**
   * Fetches an artifact at a manifest digest into the store, once per layer
   * digest: a tar+gzip tree (`application/vnd.oci.image.layer.v1.tar+gzip`)
   * or a Helm chart, its only layer, as Argo CD reads it.
   */
  async pullArtifact(
    spec: ArtifactSpec,
    digest: string,
    signal?: AbortSignal,
  ): Promise<PulledArtifact> {
    const { loc, cred } = this.locateArtifact(spec);
    if (!isDigest(digest))
      throw new RenderError(
        'InvalidSource',
        `${loc.shown}: ${JSON.stringify(digest)} is not a digest`,
      );
    const known = this.digests.get(`${loc.shown}@${digest}`);
    const hit = known ? await this.stored(this.trees, known) : undefined;
    if (hit) return { ...hit, revision: digest };
    const what = `artifact ${loc.shown}@${digest}`;
    const reg = this.registry(loc, cred, signal);
    let manifest;
    try {
      manifest = await reg.artifact(loc.repo, digest, [TREE_LAYER, CHART_LAYER]);
    } catch (err) {
      if (err instanceof RenderError && err.code === 'ChartNotFound')
        throw new RenderError('ChartNotFound', `${loc.shown} has no manifest ${digest}`);
      throw err;
    }
    if (manifest.layer.size > this.limits.archive) {
      throw new RenderError(
        'TooLarge',
        `${what} is ${manifest.layer.size} bytes, over the limit of ${this.limits.archive}`,
      );
    }
    // A chart in an artifact is unpacked as a chart (minus its top directory).
    const into = manifest.mediaType === CHART_LAYER ? this.store : this.trees;
    const stored = await this.stored(into, manifest.layer.digest, () =>
      reg.blob(loc.repo, manifest.layer.digest, this.limits.archive),
    );
    if (into === this.trees) this.digests.set(`${loc.shown}@${digest}`, stored.digest);
    return { ...stored, revision: digest };
  }

  /**
   * The entry of `digest` in `store`, held for the caller: as it is, or
   * stored from what `fetch` gives (then the store is cleaned up to its
   * limit). Undefined when it is not there and there is no `fetch`.
   */
  private async stored(
    store: ChartStore,
    digest: string,
  ): Promise<(StoredChart & { release(): void }) | undefined>;
  private async stored(
    store: ChartStore,
    digest: string,
    fetch: () => Promise<Buffer>,
    what?: string,
  ): Promise<StoredChart & { release(): void }>;
  private async stored(
    store: ChartStore,
    digest: string,
    fetch?: () => Promise<Buffer>,
    what = `chart ${digest}`,
  ): Promise<(StoredChart & { release(): void }) | undefined> {
    const release = store.hold(digest);
    try {
      const have = await store.get(digest);
      if (have) return { ...have, release };
      if (!fetch) {
        release();
        return undefined;
      }
      const put = await store.put(digest, await fetch(), this.limits.chart, what);
      if (this.o.maxCacheBytes !== undefined) await this.gc().catch(() => undefined);
      return { ...put, release };
    } catch (err) {
      release();
      throw err;
    }
  }

  /**
   * Cleans the store up to `maxCacheBytes`: the least recently used entries
   * (charts and artifacts alike) that no render holds and that were not used
   * within `keepUsedWithinMs` are removed until the rest fits. Runs after
   * every new entry; calls at the same time share one run.
   */
  gc(): Promise<ChartStoreGc> {
    if (this.cleaning) {
      this.cleanAgain = true;
      return this.cleaning;
    }
    const run = async (): Promise<ChartStoreGc> => {
      let result: ChartStoreGc;
      do {
        this.cleanAgain = false;
        result = await this.clean();
      } while (this.cleanAgain);
      return result;
    };
    const cleaning = run().finally(() => {
      if (this.cleaning === cleaning) this.cleaning = undefined;
    });
    this.cleaning = cleaning;
    return cleaning;
  }

  private async clean(): Promise<ChartStoreGc> {
    const max = this.o.maxCacheBytes ?? Number.POSITIVE_INFINITY;
    const keepMs = this.o.keepUsedWithinMs ?? 10 * 60_000;
    const listed = async (store: ChartStore) =>
      (await store.entries()).map((entry): [ChartStore, StoreEntry] => [store, entry]);
    const all = [...(await listed(this.store)), ...(await listed(this.trees))].sort(
      (a, b) => a[1].lastUse - b[1].lastUse,
    );
    // A write under way takes seconds: what is left an hour later was interrupted.
    for (const store of [this.store, this.trees])
      await store.removeLeftovers(Math.max(keepMs, 3600_000));
    let bytes = all.reduce((n, [, e]) => n + e.bytes, 0);
    let removed = 0;
    let removedBytes = 0;
    const now = performance.timeOrigin + performance.now();
    for (const [store, entry] of all) {
      if (bytes <= max || now - entry.lastUse < keepMs) break;
      if (!(await store.remove(entry.digest))) continue;
      bytes -= entry.bytes;
      removed++;
      removedBytes += entry.bytes;
    }
    return { removed, removedBytes, bytes };
  }

  private remember(key: string, entry: IndexEntry): void {
    this.announced.delete(key);
    this.announced.set(key, entry);
    if (this.announced.size > ANNOUNCED_KEPT)
      this.announced.delete(this.announced.keys().next().value!);
  }

  /**
   * For an OCI chart at an exact version: the digest of the manifest its tag
   * names now (one HEAD), so a version pushed again is told apart; undefined
   * for a Helm repository's chart or a digest revision (neither moves).
   */
  async chartDigest(
    spec: ChartSpec,
    revision: string,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const cred = this.credential(spec.repoURL);
    const loc = this.locate(spec, cred);
    if (loc.kind !== 'oci' || isDigest(revision)) return undefined;
    return this.registry(loc, cred, signal).digest(loc.repo, revision.replace(/\+/g, '_'));
  }

  /**
   * The archive digest a Helm repository's index announced for a version,
   * when this client read that index last (a {@link resolve} just before);
   * undefined otherwise, and for OCI (see {@link chartDigest}).
   */
  announcedDigest(spec: ChartSpec, version: string): string | undefined {
    const loc = this.locate(spec, this.credential(spec.repoURL));
    if (loc.kind !== 'http') return undefined;
    const digest = this.announced.get(`${loc.shown}@${version}`)?.digest;
    return digest ? `sha256:${digest.replace(/^sha256:/, '')}` : undefined;
  }

  /**
   * Fetches the chart at an exact version (or OCI digest) into the store,
   * once per digest. An OCI version is looked up afresh (its tag may have
   * been pushed again) unless `manifestDigest`, what {@link chartDigest}
   * gave, says which manifest it is; for a Helm repository it names the
   * archive (what the index announced), and an index that names another is
   * read again.
   */
  async pull(
    spec: ChartSpec,
    revision: string,
    signal?: AbortSignal,
    manifestDigest?: string,
  ): Promise<PulledChart> {
    const cred = this.credential(spec.repoURL);
    const loc = this.locate(spec, cred);
    const pinned = loc.kind === 'oci' ? (isDigest(revision) ? revision : manifestDigest) : revision;
    let key = pinned === undefined ? undefined : `${loc.shown}@${pinned}`;
    // A Helm repository's version is the archive the caller names, else what its index
    // last said: it may have been published again.
    const known =
      (loc.kind === 'http' ? manifestDigest : undefined) ??
      this.announcedDigest(spec, revision) ??
      (key === undefined ? undefined : this.digests.get(key));
    const hit = known ? await this.stored(this.store, known) : undefined;
    if (hit) return { ...hit, revision };
    const what = `chart ${loc.shown} ${revision}`;
    let stored: StoredChart & { release(): void };
    if (loc.kind === 'oci') {
      const reg = this.registry(loc, cred, signal);
      const manifest = await reg.manifest(loc.repo, pinned ?? revision.replace(/\+/g, '_'));
      key = `${loc.shown}@${manifest.digest}`;
      if (manifest.layer.size > this.limits.archive) {
        throw new RenderError(
          'TooLarge',
          `${what} is ${manifest.layer.size} bytes, over the limit of ${this.limits.archive}`,
        );
      }
      stored = await this.stored(
        this.store,
        manifest.layer.digest,
        () => reg.blob(loc.repo, manifest.layer.digest, this.limits.archive),
        what,
      );
    } else {
      const remembered = this.announced.get(`${loc.shown}@${revision}`);
      // An index read before the version was published again names the old archive.
      const current =
        remembered && (!manifestDigest || this.announcedDigest(spec, revision) === manifestDigest);
      const entry = current
        ? remembered
        : this.entries(await this.index(loc, cred, signal), spec, loc).find(
            (e) => e.version === revision,
          );
      const href = entry?.urls[0];
      if (!entry || !href)
        throw new RenderError('ChartNotFound', `${loc.shown} has no version ${revision}`);
      const url = new URL(href, `${loc.url}/`).toString();
      const download = () => this.download(url, cred, what, signal);
      const announced = entry.digest ? `sha256:${entry.digest.replace(/^sha256:/, '')}` : undefined;
      if (announced) stored = await this.stored(this.store, announced, download, what);
      else {
        // Without a digest in the index, the archive names itself.
        const body = await download();
        stored = await this.stored(this.store, sha256(body), () => Promise.resolve(body), what);
      }
    }
    if (key !== undefined) this.digests.set(key, stored.digest);
    return { ...stored, revision };
  }

  private async download(
    url: string,
    cred: RepoCredential | undefined,
    what: string,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    if (!/^https?:\/\//i.test(url))
      throw new RenderError(
        'InvalidRepository',
        `${what}: the index points at ${JSON.stringify(shownUrl(url))}`,
      );
    return this.repoGet('archive', url, cred, this.limits.archive, what, signal);
  }

  // A GET from a Helm repository with its Basic auth and TLS settings; anything but 200 is an error.
  private repoGet(
    op: ChartOp,
    url: string,
    cred: RepoCredential | undefined,
    maxBytes: number,
    what: string,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    const auth = cred?.username !== undefined || cred?.password !== undefined;
    return measured(url, op, async () => {
      const res = await httpGet(url, {
        headers: auth ? { authorization: basicAuth(cred.username ?? '', cred.password ?? '') } : {},
        tls: this.tls(new URL(url).host, cred),
        maxBytes,
        timeoutMs: this.limits.timeoutMs,
        what,
        ...(signal ? { signal } : {}),
      });
      if (res.status !== 200) throw statusError(what, url, res.status, auth);
      return res.body;
    });
  }
}
