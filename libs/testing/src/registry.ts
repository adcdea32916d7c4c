import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { freePort, run, userCacheDir } from '@flotilla/runtime';
import type { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { provisionRegistry, resolveTool } from '@flotilla/toolchain';
import type { BasicAuth } from './git-server.js';
import { artifactPusher, type IndexedManifest, type PushedArtifact } from './oci-artifact.js';
import { startTokenService } from './registry-token.js';
import { ownedServer, type TestServer } from './servers.js';
import type { TestCa } from './tls.js';

/** A chart pushed to the test registry. */
export interface PushedChart {
  /** `oci://127.0.0.1:<port>/<repo>/<name>`. */
  readonly ref: string;
  readonly version: string;
  /** The manifest digest the registry answered with (`sha256:...`). */
  readonly digest: string;
}

/** A CNCF distribution registry over TLS (or plain HTTP) with htpasswd auth, owned by one suite. */
export interface TestRegistry extends TestServer {
  /** `127.0.0.1:<port>`, what `oci://` URLs and Argo CD's host/path form start with. */
  readonly host: string;
  readonly auth: BasicAuth;
  /** Packages `chartDir` with the real helm and pushes it under `oci://host/<repo>`. */
  push(chartDir: string, repo?: string): Promise<PushedChart>;
  /** Pushes a one-layer OCI artifact (a tar+gzip of manifests, as `oras push` makes) as `repo:tag`. */
  pushArtifact(
    repo: string,
    tag: string,
    layer: Buffer,
    options?: { mediaType?: string; layers?: number },
  ): Promise<PushedArtifact>;
  /** Pushes an OCI image index naming manifests already in `repo` as `repo:tag`; its digest. */
  pushIndex(repo: string, tag: string, manifests: readonly IndexedManifest[]): Promise<string>;
}

/** Settings of a test registry. */
export interface RegistryOptions {
  /** Where the registry sends its notifications of pushes (its `notifications.endpoints`). */
  readonly notify?: { readonly url: string; readonly headers?: Record<string, string> };
  /** Serve plain HTTP instead of TLS (what Argo CD's `insecureOCIForceHttp` talks to). */
  readonly plainHttp?: boolean;
  /**
   * Ask for Bearer tokens from a token service (the Docker token flow, what
   * Docker Hub, GHCR and Harbor do) that takes the same user, instead of Basic auth.
   */
  readonly tokenAuth?: boolean;
}

const log = (m: string) => process.stderr.write(`[registry] ${m}\n`);

/** Runs the real helm with a private home, so nothing leaks into or out of the user's. */
export async function testHelm(home: string): Promise<(args: string[]) => Promise<string>> {
  const helm = await resolveTool('helm', {
    cacheDir: userCacheDir(process.env),
    path: process.env['PATH'],
  });
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
    HELM_REGISTRY_CONFIG: join(home, 'registry.json'),
  };
  return async (args) => {
    const { stdout, stderr } = await run(helm, args, { env, timeoutMs: 120_000 });
    return `${stdout}${stderr}`;
  };
}

/**
 * Starts the distribution registry (built from its Go module on first use)
 * on a free port with TLS from the env's CA and one htpasswd user.
 */
export async function startTestRegistry(
  dir: string,
  ca: TestCa,
  options: RegistryOptions = {},
): Promise<TestRegistry> {
  const bin = await provisionRegistry({ cacheDir: userCacheDir(process.env), log });
  await mkdir(dir, { recursive: true });
  const auth = { username: 'flotilla', password: randomBytes(12).toString('hex') };
  const htpasswd = join(dir, 'htpasswd');
  await writeFile(htpasswd, `${auth.username}:${bcrypt.hashSync(auth.password, 10)}\n`);
  const tokens = options.tokenAuth
    ? await startTokenService(ca, auth, 'flotilla-test-registry', join(dir, 'jwks.json'))
    : undefined;
  const port = await freePort();
  const config = join(dir, 'config.yml');
  await writeFile(
    config,
    JSON.stringify({
      version: 0.1,
      log: { level: 'error', accesslog: { disabled: true } },
      storage: { filesystem: { rootdirectory: join(dir, 'data') }, delete: { enabled: true } },
      http: {
        addr: `127.0.0.1:${port}`,
        secret: randomBytes(16).toString('hex'),
        ...(options.plainHttp
          ? {}
          : { tls: { certificate: ca.server.certFile, key: ca.server.keyFile } }),
      },
      auth: tokens
        ? { token: tokens.config }
        : { htpasswd: { realm: 'flotilla-test', path: htpasswd } },
      ...(options.notify
        ? {
            notifications: {
              endpoints: [
                {
                  name: 'test',
                  url: options.notify.url,
                  headers: Object.fromEntries(
                    Object.entries(options.notify.headers ?? {}).map(([k, v]) => [k, [v]]),
                  ),
                  timeout: '5s',
                  threshold: 1,
                  backoff: '1s',
                  // Manifests only: a blob push says nothing a poller can act on.
                  ignoredmediatypes: ['application/octet-stream'],
                  ignore: { actions: ['pull'] },
                },
              ],
            },
          }
        : {}),
    }),
  );
  const server = await ownedServer({
    name: 'registry',
    bin,
    scheme: options.plainHttp ? 'http' : 'https',
    port,
    args: () => ['serve', config],
  });
  const host = `127.0.0.1:${port}`;
  const helm = await testHelm(join(dir, 'helm-home'));
  const artifacts = artifactPusher(host, auth, options.plainHttp ? undefined : ca.caPem);
  const stopServer = server[Symbol.asyncDispose].bind(server);
  return Object.assign(server, {
    [Symbol.asyncDispose]: async () => {
      await stopServer();
      await tokens?.[Symbol.asyncDispose]();
    },
    host,
    auth,
    pushArtifact: artifacts.push,
    pushIndex: artifacts.pushIndex,
    async push(chartDir: string, repo = 'charts'): Promise<PushedChart> {
      const out = join(dir, 'packages');
      const packaged = await helm(['package', chartDir, '--destination', out]);
      const tgz = /saved it to: (\S+)/.exec(packaged)?.[1];
      if (!tgz) throw new Error(`helm package printed no archive: ${packaged}`);
      const pushed = await helm([
        'push',
        tgz,
        `oci://${host}/${repo}`,
        options.plainHttp ? '--plain-http' : `--ca-file=${ca.caFile}`,
        `--username=${auth.username}`,
        `--password=${auth.password}`,
      ]);
      const ref = /Pushed: (\S+)/.exec(pushed)?.[1];
      const digest = /Digest: (sha256:[0-9a-f]{64})/.exec(pushed)?.[1];
      if (!ref || !digest) throw new Error(`helm push printed no reference: ${pushed}`);
      const [name, version] = ref.slice(ref.lastIndexOf('/') + 1).split(':');
      return { ref: `oci://${host}/${repo}/${name}`, version: version ?? '', digest };
    },
  });
}

/**
 * What a user adds for a private chart registry in Flotilla's namespace: a
 * repository Secret in Argo CD's OCI form (`host/path`, `enableOCI`) with
 * the registry's credentials, and `argocd-tls-certs-cm` trusting the CA.
 */
export async function addRegistryAccess(
  objects: KubernetesObjectApi,
  namespace: string,
  registry: TestRegistry,
  ca: TestCa,
  path = 'charts',
): Promise<void> {
  await objects.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      namespace,
      name: 'registry',
      labels: { 'argocd.argoproj.io/secret-type': 'repository' },
    },
    stringData: {
      type: 'helm',
      enableOCI: 'true',
      url: `${registry.host}/${path}`,
      ...registry.auth,
    },
  } as KubernetesObject);
  await objects.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { namespace, name: 'argocd-tls-certs-cm' },
    data: { '127.0.0.1': ca.caPem },
  } as KubernetesObject);
}
