import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import type { BasicAuth } from './git-server.js';

/** One entry of a test archive: a file's text, a directory, or a link. */
export type ArtifactEntry =
  string | { readonly symlink: string } | { readonly hardlink: string } | { readonly dir: true };

/** An OCI artifact pushed to the test registry. */
export interface PushedArtifact {
  /** `oci://host/repo`, what an Application's repoURL names. */
  readonly ref: string;
  readonly tag: string;
  /** The manifest's digest (`sha256:...`), what the source's revision is. */
  readonly digest: string;
  /** The layer's digest. */
  readonly layer: string;
  /** The manifest's size in bytes, what an image index that names it records. */
  readonly size: number;
}

/** One manifest an image index names, with the platform it is for. */
export interface IndexedManifest {
  readonly digest: string;
  readonly size: number;
  readonly platform?: { readonly os: string; readonly architecture: string };
  readonly annotations?: Readonly<Record<string, string>>;
}

/** The layer media type Argo CD (and `oras push <dir>`) use for a directory. */
export const OCI_TAR_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * A gzipped tar of `entries` (names as given, so a test can write `../x` or
 * `/etc/x`), what `tar -czf a.tgz -C dir .` makes of a directory.
 */
export async function tarGz(entries: Readonly<Record<string, ArtifactEntry>>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    p.on('data', (c: unknown) => chunks.push(c as Buffer));
    p.on('end', resolve);
    p.on('error', reject);
  });
  for (const [name, e] of Object.entries(entries)) {
    // A fixed time: the same entries make the same archive (and digest).
    const mtime = new Date(0);
    if (typeof e === 'string') p.entry({ name, mode: 0o644, mtime }, e);
    else if ('symlink' in e) p.entry({ name, type: 'symlink', linkname: e.symlink, mtime });
    else if ('hardlink' in e) p.entry({ name, type: 'link', linkname: e.hardlink, mtime });
    else p.entry({ name, type: 'directory', mode: 0o755, mtime });
  }
  p.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/**
 * Pushes one-layer OCI artifacts to a registry with the distribution HTTP
 * API (a monolithic blob upload, then the manifest), as `oras push` does.
 */
export function artifactPusher(host: string, auth: BasicAuth, caPem: string | undefined) {
  // Without a CA the registry speaks plain HTTP.
  const origin = caPem === undefined ? `http://${host}` : `https://${host}`;
  const request = caPem === undefined ? httpRequest : httpsRequest;
  const authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  const call = (
    method: string,
    url: string,
    headers: Record<string, string> = {},
    body?: Buffer,
  ): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = request(
        new URL(url, origin),
        { method, ...(caPem ? { ca: caPem } : {}), headers: { authorization, ...headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const blob = async (repo: string, data: Buffer): Promise<string> => {
    const digest = sha256(data);
    const started = await call('POST', `/v2/${repo}/blobs/uploads/`);
    const location = started.headers['location'];
    if (started.status !== 202 || typeof location !== 'string')
      throw new Error(`blob upload to ${repo} was not started: ${started.status}`);
    const url = new URL(location, origin);
    url.searchParams.set('digest', digest);
    const put = await call(
      'PUT',
      url.toString(),
      { 'content-type': 'application/octet-stream', 'content-length': String(data.length) },
      data,
    );
    if (put.status !== 201) throw new Error(`blob upload to ${repo} failed: ${put.status}`);
    return digest;
  };
  const putManifest = async (repo: string, tag: string, type: string, body: Buffer) => {
    const put = await call('PUT', `/v2/${repo}/manifests/${tag}`, { 'content-type': type }, body);
    if (put.status !== 201)
      throw new Error(`manifest ${repo}:${tag} was refused: ${put.status} ${put.body}`);
  };
  return {
    /** Pushes `layer` (a tar+gzip unless `mediaType` says otherwise) as `repo:tag`. */
    async push(
      repo: string,
      tag: string,
      layer: Buffer,
      options: { mediaType?: string; layers?: number } = {},
    ): Promise<PushedArtifact> {
      const config = Buffer.from('{}');
      const configDigest = await blob(repo, config);
      const layerDigest = await blob(repo, layer);
      const one = {
        mediaType: options.mediaType ?? OCI_TAR_GZIP,
        digest: layerDigest,
        size: layer.length,
      };
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          artifactType: 'application/vnd.flotilla.test.v1',
          config: {
            mediaType: 'application/vnd.oci.empty.v1+json',
            digest: configDigest,
            size: config.length,
          },
          layers: Array.from({ length: options.layers ?? 1 }, () => one),
        }),
      );
      await putManifest(repo, tag, 'application/vnd.oci.image.manifest.v1+json', manifest);
      return {
        ref: `oci://${host}/${repo}`,
        tag,
        digest: sha256(manifest),
        layer: layerDigest,
        size: manifest.length,
      };
    },
    /**
     * Pushes an OCI image index (what a multi-platform build makes) naming
     * `manifests` already in `repo`, as `repo:tag`; returns its digest.
     */
    async pushIndex(
      repo: string,
      tag: string,
      manifests: readonly IndexedManifest[],
    ): Promise<string> {
      const mediaType = 'application/vnd.oci.image.index.v1+json';
      const index = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType,
          manifests: manifests.map((m) => ({
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            ...m,
          })),
        }),
      );
      await putManifest(repo, tag, mediaType, index);
      return sha256(index);
    },
  };
}
