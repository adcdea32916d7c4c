import { createHash } from 'node:crypto';
import { RenderError } from '../errors.js';
import {
  basicAuth,
  httpGet,
  measured,
  shownUrl,
  statusError,
  type ChartOp,
  type GetResult,
  type RepoTls,
} from './http.js';

/** How to reach one registry. */
export interface RegistryAccess {
  /** `https://host:port` or, with `insecureOCIForceHttp`, `http://host:port`. */
  readonly base: string;
  readonly username?: string;
  readonly password?: string;
  readonly tls: RepoTls;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /**
   * Where the `Authorization` answered by the last challenge is kept between
   * clients of the same repository and credentials, so a known registry costs
   * no 401 round trip per call; a stale one is answered with 401 and replaced.
   */
  readonly remembered?: { get(): string | undefined; set(value: string): void };
}

/** The chart layer of an OCI manifest. */
export interface ChartManifest {
  /** The manifest's own digest (what a digest targetRevision names). */
  readonly digest: string;
  /** The chart archive's digest and size. */
  readonly layer: { readonly digest: string; readonly size: number };
}

const INDEX_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];
const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  ...INDEX_TYPES,
].join(', ');

type Layer = { mediaType?: string; digest?: string; size?: number };
export const CHART_LAYER = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
/** The layer type of a directory packed as a tar+gzip (what `oras push <dir>` writes). */
export const TREE_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const SMALL = 4 * 1024 * 1024;

function challenge(
  header: string | undefined,
): { scheme: string; params: Record<string, string> } | undefined {
  if (!header) return undefined;
  const m = /^(\w+)\s*(.*)$/s.exec(header.trim());
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2]!.matchAll(/(\w+)="([^"]*)"/g)) params[p[1]!.toLowerCase()] = p[2]!;
  return { scheme: m[1]!.toLowerCase(), params };
}

/**
 * A client of the OCI distribution API for Helm charts: tag lists,
 * manifests and blobs, with Basic auth or a Bearer token from the
 * registry's token service, asked for with the repository's credentials.
 */
export class OciRegistry {
  private authorization: string | undefined;

  constructor(private readonly a: RegistryAccess) {
    this.authorization = a.remembered?.get();
  }

  private get hasCredentials(): boolean {
    return this.a.username !== undefined || this.a.password !== undefined;
  }

  // One call, counted under `op` with its outcome; a challenge answered on the way is part of it.
  private get(
    op: ChartOp,
    path: string,
    what: string,
    maxBytes: number,
    accept?: string,
    method: 'GET' | 'HEAD' = 'GET',
  ): Promise<GetResult> {
    const url = `${this.a.base}${path}`;
    return measured(url, op, () => this.exchange(url, what, maxBytes, accept, method));
  }

  private async exchange(
    url: string,
    what: string,
    maxBytes: number,
    accept: string | undefined,
    method: 'GET' | 'HEAD',
  ): Promise<GetResult> {
    const send = () =>
      httpGet(url, {
        headers: {
          ...(accept ? { accept } : {}),
          ...(this.authorization ? { authorization: this.authorization } : {}),
        },
        tls: this.a.tls,
        maxBytes,
        timeoutMs: this.a.timeoutMs,
        what,
        method,
        ...(this.a.signal ? { signal: this.a.signal } : {}),
      });
    let res = await send();
    if (res.status === 401) {
      await this.authenticate(res, what);
      res = await send();
    }
    if (res.status < 200 || res.status >= 300)
      throw statusError(what, url, res.status, this.hasCredentials);
    return res;
  }

  private async authenticate(res: GetResult, what: string): Promise<void> {
    const c = challenge(res.headers['www-authenticate']);
    const user = this.a.username ?? '';
    const pass = this.a.password ?? '';
    if (c?.scheme === 'basic') {
      if (!this.hasCredentials) throw statusError(what, res.url, 401, false);
      this.authorization = basicAuth(user, pass);
      this.a.remembered?.set(this.authorization);
      return;
    }
    if (c?.scheme !== 'bearer' || !c.params['realm'])
      throw statusError(what, res.url, 401, this.hasCredentials);
    const realm = new URL(c.params['realm']);
    if (c.params['service']) realm.searchParams.set('service', c.params['service']);
    if (c.params['scope']) realm.searchParams.set('scope', c.params['scope']);
    const tokenWhat = `token for ${what}`;
    const token = await measured(realm.toString(), 'token', async () => {
      const answer = await httpGet(realm.toString(), {
        headers: this.hasCredentials ? { authorization: basicAuth(user, pass) } : {},
        tls: this.a.tls,
        maxBytes: SMALL,
        timeoutMs: this.a.timeoutMs,
        what: tokenWhat,
        ...(this.a.signal ? { signal: this.a.signal } : {}),
      });
      if (answer.status !== 200)
        throw statusError(tokenWhat, realm.toString(), answer.status, this.hasCredentials);
      const body = parseJson(answer.body, tokenWhat) as {
        token?: unknown;
        access_token?: unknown;
      } | null;
      const given = body?.token ?? body?.access_token;
      if (typeof given !== 'string' || !given)
        throw new RenderError(
          'InvalidRepository',
          `${tokenWhat}: ${shownUrl(realm.toString())} gave no token`,
        );
      return given;
    });
    this.authorization = `Bearer ${token}`;
    this.a.remembered?.set(this.authorization);
  }

  /** Every tag of `repo`, following the registry's pages. */
  async tags(repo: string): Promise<string[]> {
    const out: string[] = [];
    let path: string | undefined = `/v2/${repo}/tags/list?n=1000`;
    for (let page = 0; path && page < 100; page++) {
      const res = await this.get('tags', path, `tags of ${repo}`, SMALL);
      const body = parseJson(res.body, `tags of ${repo}`) as { tags?: unknown };
      if (Array.isArray(body.tags))
        out.push(...body.tags.filter((t): t is string => typeof t === 'string'));
      const link = /<([^>]+)>;\s*rel="next"/.exec(String(res.headers.link ?? ''))?.[1];
      path = link
        ? new URL(link, this.a.base).pathname + new URL(link, this.a.base).search
        : undefined;
    }
    return out;
  }

  /** The manifest of `repo` at a tag or digest, and its chart layer. */
  async manifest(repo: string, reference: string): Promise<ChartManifest> {
    const what = `manifest ${repo}:${reference}`;
    const { digest, layers } = await this.layers(repo, reference, what, [CHART_LAYER]);
    const layer = layers.find((l) => l.mediaType === CHART_LAYER);
    if (!layer?.digest) {
      throw new RenderError(
        'InvalidRepository',
        `${what} is not a Helm chart (no ${CHART_LAYER} layer)`,
      );
    }
    return { digest, layer: { digest: layer.digest, size: layer.size ?? 0 } };
  }

  /**
   * The manifest of an OCI artifact (Argo CD's `type: oci`): it must hold
   * one layer of a type in `accepted` (a tar+gzip of the tree, or a Helm
   * chart), as Argo CD expects. A digest reference is checked against the
   * manifest's content.
   */
  async artifact(
    repo: string,
    reference: string,
    accepted: readonly string[],
  ): Promise<ChartManifest & { readonly mediaType: string }> {
    const what = `manifest ${repo}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`;
    const { digest, layers } = await this.layers(repo, reference, what, accepted);
    const usable = layers.filter((l) => accepted.includes(l.mediaType ?? ''));
    if (usable.length !== 1 || !usable[0]!.digest) {
      throw new RenderError(
        'InvalidRepository',
        usable.length === 0
          ? `${what} has no layer of a type Flotilla reads (${accepted.join(', ')}); it has ${
              layers.map((l) => l.mediaType ?? '?').join(', ') || 'none'
            }`
          : `${what} has ${usable.length} layers; an artifact must hold its tree in one layer`,
      );
    }
    const layer = usable[0]!;
    return {
      digest,
      mediaType: layer.mediaType!,
      layer: { digest: layer.digest!, size: layer.size ?? 0 },
    };
  }

  /**
   * The digest of the manifest a tag names now: one HEAD, what a poller asks
   * to tell a re-pushed tag. A registry that gives no digest header is asked
   * with a GET and the manifest hashed.
   */
  async digest(repo: string, reference: string): Promise<string> {
    const what = `manifest ${repo}:${reference}`;
    const path = `/v2/${repo}/manifests/${encodeURIComponent(reference)}`;
    const res = await this.get('manifest', path, what, SMALL, MANIFEST_TYPES, 'HEAD');
    const header = res.headers['docker-content-digest'];
    if (typeof header === 'string' && /^sha256:[0-9a-f]{64}$/.test(header)) return header;
    return (await this.layers(repo, reference, what, [])).digest;
  }

  /**
   * The digest of the manifest `reference` names and its layers. An image
   * index (a multi-platform build) is followed to the manifests it names
   * that hold a layer of an `accepted` type: they must all hold the same
   * such layers (one content for every platform), else it is ambiguous.
   * The digest stays the index's: it is what the tag names.
   */
  private async layers(
    repo: string,
    reference: string,
    what: string,
    accepted: readonly string[],
    nested = false,
  ): Promise<{ digest: string; layers: Layer[] }> {
    const res = await this.get(
      'manifest',
      `/v2/${repo}/manifests/${encodeURIComponent(reference)}`,
      what,
      SMALL,
      MANIFEST_TYPES,
    );
    const body = parseJson(res.body, what) as {
      mediaType?: string;
      layers?: Layer[];
      manifests?: { digest?: string; annotations?: Record<string, string> }[];
    };
    const computed = `sha256:${createHash('sha256').update(res.body).digest('hex')}`;
    if (/^sha256:[0-9a-f]{64}$/.test(reference) && computed !== reference) {
      throw new RenderError(
        'InvalidRepository',
        `${what} has digest ${computed}, not the one asked for`,
      );
    }
    const header = res.headers['docker-content-digest'];
    const digest = typeof header === 'string' ? header : computed;
    const type = String(body.mediaType ?? res.headers['content-type'] ?? '');
    if (!INDEX_TYPES.includes(type) && !(Array.isArray(body.manifests) && !body.layers))
      return { digest, layers: Array.isArray(body.layers) ? body.layers : [] };
    if (nested || accepted.length === 0) {
      if (nested) throw new RenderError('InvalidRepository', `${what} nests an image index`);
      return { digest, layers: [] };
    }
    return { digest, layers: await this.indexLayers(repo, body.manifests ?? [], what, accepted) };
  }

  private async indexLayers(
    repo: string,
    manifests: readonly { digest?: string; annotations?: Record<string, string> }[],
    what: string,
    accepted: readonly string[],
  ): Promise<Layer[]> {
    const found = new Map<string, Layer[]>();
    for (const m of manifests) {
      // BuildKit's attestations sit beside the images; they hold no tree.
      if (!m.digest || m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest')
        continue;
      const child = await this.layers(repo, m.digest, `${what} → ${m.digest}`, accepted, true);
      const usable = child.layers.filter((l) => accepted.includes(l.mediaType ?? ''));
      if (usable.length > 0) found.set(JSON.stringify(usable.map((l) => l.digest)), child.layers);
    }
    if (found.size === 1) return [...found.values()][0]!;
    throw new RenderError(
      'InvalidRepository',
      found.size === 0
        ? `${what} is an image index and none of its ${manifests.length} manifests has a layer of a type Flotilla reads (${accepted.join(', ')})`
        : `${what} is an image index whose manifests hold different content (${found.size} kinds): write the digest of the manifest to use`,
    );
  }

  /** A blob, refused when larger than `maxBytes`. */
  async blob(repo: string, digest: string, maxBytes: number): Promise<Buffer> {
    return (
      await this.get(
        'blob',
        `/v2/${repo}/blobs/${digest}`,
        `chart archive ${repo}@${digest}`,
        maxBytes,
      )
    ).body;
  }
}

function parseJson(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new RenderError('InvalidRepository', `${what} is not JSON`);
  }
}
