import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGitFixtureRepo, type GitFixtureRepo } from './git-repo.js';
import { startGitHttpServer, type BasicAuth, type GitHttpServer } from './git-server.js';
import { kubeContext, type KubeTestContext } from './kube.js';
import { startNatsServer, startRedisServer, type TestServer } from './servers.js';
import { testKubeconfig } from './kubeconfig.js';
import { startHelmRepo, type HelmRepoOptions, type TestHelmRepo } from './helm-repo.js';
import { startTestRegistry, type RegistryOptions, type TestRegistry } from './registry.js';
import { createTestCa, type TestCa } from './tls.js';

/** What a suite needs; each part is started only when asked for. */
export interface EnvOptions {
  readonly nats?: boolean;
  readonly redis?: boolean;
  readonly kube?: boolean;
  /** Serve fixture repos over smart HTTP; `{ auth }` to require basic auth. */
  readonly git?: boolean | { auth?: BasicAuth };
  /** An OCI registry (TLS from {@link TestEnv.ca}, htpasswd auth); `{ notify }` to send push notifications, `{ plainHttp }` for no TLS. */
  readonly registry?: boolean | RegistryOptions;
  /** A Helm chart repository over HTTPS with basic auth. */
  readonly helmRepo?: boolean | HelmRepoOptions;
}

/** Git fixtures of one env: bare repos served over HTTP. */
export interface GitTestContext {
  readonly server: GitHttpServer;
  /** Creates a fixture repo; `url` is its HTTP clone URL. */
  repo(name: string): Promise<GitFixtureRepo & { url: string }>;
}

/** A test environment of real servers; dispose it with `await using`. */
export interface TestEnv extends AsyncDisposable {
  readonly tmpDir: string;
  readonly nats: TestServer;
  readonly redis: TestServer;
  readonly kube: KubeTestContext;
  readonly git: GitTestContext;
  /** The env's private CA; made when a registry or Helm repository is asked for. */
  readonly ca: TestCa;
  readonly registry: TestRegistry;
  readonly helmRepo: TestHelmRepo;
}

function missing(part: string): never {
  throw new Error(`this test env was started without ${part}; pass { ${part}: true } to startEnv`);
}

/**
 * Starts the real servers a suite asks for: a private nats-server (JetStream)
 * and redis-server on free ports, the test cluster with a namespace per test,
 * and Git fixture repos over HTTP. Everything stops and is removed on dispose.
 */
export async function startEnv(options: EnvOptions = {}): Promise<TestEnv> {
  const tmpDir = await mkdtemp(join(tmpdir(), 'flotilla-env-'));
  const disposers: (() => PromiseLike<void>)[] = [
    () => rm(tmpDir, { recursive: true, force: true }),
  ];
  const dispose = async () => {
    for (const d of disposers.reverse()) await Promise.resolve(d()).catch(() => undefined);
  };
  try {
    const nats = options.nats ? await startNatsServer() : undefined;
    if (nats) disposers.push(() => nats[Symbol.asyncDispose]());
    const redis = options.redis ? await startRedisServer() : undefined;
    if (redis) disposers.push(() => redis[Symbol.asyncDispose]());
    const kube = options.kube ? kubeContext(testKubeconfig()) : undefined;
    if (kube) disposers.push(() => kube.dispose());
    let git: GitTestContext | undefined;
    if (options.git) {
      const root = join(tmpDir, 'git');
      const auth = typeof options.git === 'object' ? options.git.auth : undefined;
      const server = await startGitHttpServer(join(root, 'repos'), auth);
      disposers.push(() => server[Symbol.asyncDispose]());
      git = {
        server,
        async repo(name) {
          const repo = await createGitFixtureRepo(root, name);
          return Object.assign(repo, { url: `${server.baseUrl}/${name}.git` });
        },
      };
    }
    const ca =
      options.registry || options.helmRepo ? await createTestCa(join(tmpDir, 'ca')) : undefined;
    const registry = options.registry
      ? await startTestRegistry(
          join(tmpDir, 'registry'),
          ca!,
          typeof options.registry === 'object' ? options.registry : {},
        )
      : undefined;
    if (registry) disposers.push(() => registry[Symbol.asyncDispose]());
    const helmRepo = options.helmRepo
      ? await startHelmRepo(
          join(tmpDir, 'helm-repo', 'files'),
          ca!,
          typeof options.helmRepo === 'object' ? options.helmRepo : {},
        )
      : undefined;
    if (helmRepo) disposers.push(() => helmRepo[Symbol.asyncDispose]());
    return {
      tmpDir,
      get ca() {
        return ca ?? missing('registry');
      },
      get registry() {
        return registry ?? missing('registry');
      },
      get helmRepo() {
        return helmRepo ?? missing('helmRepo');
      },
      get nats() {
        return nats ?? missing('nats');
      },
      get redis() {
        return redis ?? missing('redis');
      },
      get kube() {
        return kube ?? missing('kube');
      },
      get git() {
        return git ?? missing('git');
      },
      [Symbol.asyncDispose]: dispose,
    };
  } catch (err) {
    await dispose();
    throw err;
  }
}
