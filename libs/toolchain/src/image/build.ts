import { createHash } from 'node:crypto';
import { access, cp, mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { run } from '@flotilla/runtime';
import { ProvisionError } from '../errors.js';
import { formatElapsed } from '../go-progress.js';
import { provisionGoTemplate } from '../gotemplate.js';
import { provisionTools, toolsDir } from '../tools.js';
import { IgnoreRules } from './ignore.js';
import { IMAGE, imagePackages, USERADD } from './spec.js';

/** Options of {@link buildImage}. */
export interface ImageBuildOptions {
  /** The repository: the build context, as `docker build -f deploy/Dockerfile .` sees it. */
  readonly root: string;
  /** The user cache dir: the Debian root filesystem and Node.js are kept there by version. */
  readonly cacheDir: string;
  /** OCI image layout directory to write (created when missing). */
  readonly layout: string;
  readonly tag: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (msg: string) => void;
}

/** What {@link buildImage} wrote. */
export interface ImageBuildResult {
  readonly layout: string;
  readonly tag: string;
  /** Digest of the image manifest. */
  readonly digest: string;
  /** Compressed size of every layer, in bytes. */
  readonly bytes: number;
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

function need(condition: boolean, message: string): void {
  if (!condition) throw new ProvisionError(message, 'image');
}

async function onPath(bin: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  for (const dir of (env['PATH'] ?? '').split(':').filter(Boolean)) {
    if (await exists(join(dir, bin))) return true;
  }
  return false;
}

/**
 * The Debian root filesystem (minbase, the image's packages, the image's user),
 * made by mmdebstrap from the Debian mirror once per package list and kept as a
 * tarball in the cache. Documentation and man pages stay out, as in Debian's
 * slim images; dpkg skips fsync, which changes nothing in a tarball.
 */
async function debianRootfs(o: ImageBuildOptions, env: NodeJS.ProcessEnv): Promise<string> {
  const packages = await imagePackages(o.root);
  const { debianSuite: suite } = IMAGE;
  const hooks = [`chroot "$1" ${USERADD}`, 'rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*'];
  const excluded = [
    '/usr/share/doc/*',
    '/usr/share/man/*',
    '/usr/share/info/*',
    '/usr/share/locale/*',
  ];
  const key = createHash('sha256')
    .update(JSON.stringify({ suite, packages, hooks, excluded }))
    .digest('hex')
    .slice(0, 12);
  const dir = join(o.cacheDir, 'image');
  const file = join(dir, `debian-${suite}-${key}.tar`);
  if (await exists(file)) return file;
  need(
    process.getuid?.() === 0,
    'building the image root filesystem needs root (mmdebstrap runs dpkg in a chroot)',
  );
  need(
    await onPath('mmdebstrap', env),
    'mmdebstrap is not installed: apt-get install mmdebstrap umoci',
  );
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const started = Date.now();
  o.log?.(
    `image: Debian ${suite} root filesystem with ${packages.join(', ')} (mmdebstrap, first build only)`,
  );
  try {
    await run(
      'mmdebstrap',
      [
        '--variant=minbase',
        '--format=tar',
        `--include=${packages.join(',')}`,
        '--dpkgopt=force-unsafe-io',
        ...excluded.map((p) => `--dpkgopt=path-exclude=${p}`),
        ...hooks.map((h) => `--customize-hook=${h}`),
        suite,
        tmp,
      ],
      {
        env,
        onStderr: (chunk) => {
          for (const line of chunk.split('\n')) {
            const step = /^I: (.+)/.exec(line.trim())?.[1];
            if (step) o.log?.(`image: ${step} (${formatElapsed(Date.now() - started)})`);
          }
        },
      },
    );
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
  return file;
}

/** The official Node.js linux-x64 binary, from the npm registry, kept in the cache by version. */
async function nodeBinary(o: ImageBuildOptions, env: NodeJS.ProcessEnv): Promise<string> {
  const { pkg, version } = IMAGE.node;
  const dir = join(o.cacheDir, 'image', `node-v${version}`);
  const bin = join(dir, 'bin', 'node');
  if (await exists(bin)) return bin;
  o.log?.(`image: Node.js ${version} (npm package ${pkg})`);
  await mkdir(join(o.cacheDir, 'image'), { recursive: true });
  const work = await mkdtemp(join(o.cacheDir, 'image', '.node-'));
  try {
    await run('npm', ['pack', `${pkg}@${version}`, '--silent', '--pack-destination', work], {
      cwd: work,
      env,
    });
    await run(
      'tar',
      ['-xzf', join(work, `${pkg}-${version}.tgz`), '-C', work, 'package/bin/node'],
      {
        env,
      },
    );
    await mkdir(join(work, 'out', 'bin'), { recursive: true });
    await rename(join(work, 'package', 'bin', 'node'), join(work, 'out', 'bin', 'node'));
    await rm(dir, { recursive: true, force: true });
    await rename(join(work, 'out'), dir);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return bin;
}

/**
 * The Go template helper the appset role runs, built static with the build
 * machine's Go (`go` on PATH) and kept in the tool cache by a hash of its
 * sources: the image has no Go, and a C library it was linked against could differ.
 */
async function goTemplateHelper(o: ImageBuildOptions, env: NodeJS.ProcessEnv): Promise<string> {
  need(
    await onPath('go', env),
    'go is not on PATH: the image carries the flotilla-gotemplate helper, built with Go (https://go.dev/dl/)',
  );
  return provisionGoTemplate({ cacheDir: o.cacheDir, env, log: o.log, static: true });
}

/**
 * The application directory: the build context less what `.dockerignore` keeps
 * out, its production dependencies installed by `npm ci --omit=dev` (whose
 * prepare script builds dist/), and helm and kubectl in the tool cache under
 * the image's XDG_CACHE_HOME: what the Dockerfile's build stage makes.
 */
async function appDirectory(o: ImageBuildOptions, env: NodeJS.ProcessEnv, into: string) {
  const ignore = await IgnoreRules.read(join(o.root, '.dockerignore'));
  o.log?.('image: copying the application and installing its production dependencies');
  await cp(o.root, into, {
    recursive: true,
    verbatimSymlinks: true,
    filter: async (src) => {
      const rel = relative(o.root, src).split(sep).join('/');
      if (!rel) return true;
      if (!ignore.excludes(rel)) return true;
      return (await stat(src)).isDirectory() && ignore.reincludesBelow(rel);
    },
  });
  await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: into,
    env: { ...env, NODE_ENV: 'production' },
  });
  need(await exists(join(into, 'dist', 'flotilla.mjs')), 'npm ci did not build dist/flotilla.mjs');
  const tools = await provisionTools({ cacheDir: o.cacheDir, log: o.log });
  const imageCache = join(into, relative(IMAGE.appDir, IMAGE.env.XDG_CACHE_HOME), 'flotilla');
  await cp(tools, toolsDir(imageCache), { recursive: true });
}

async function umoci(args: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  await run('umoci', args, { env });
}

interface OciIndex {
  manifests: { digest: string; annotations?: Record<string, string> }[];
}

async function manifestOf(layout: string, tag: string) {
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as OciIndex;
  const entry = index.manifests.find(
    (m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag,
  );
  need(entry !== undefined, `the image layout ${layout} has no tag ${tag}`);
  const [alg, hex] = entry!.digest.split(':');
  const manifest = JSON.parse(await readFile(join(layout, 'blobs', alg!, hex!), 'utf8')) as {
    layers: { size: number }[];
  };
  return { digest: entry!.digest, bytes: manifest.layers.reduce((n, l) => n + l.size, 0) };
}

/**
 * Builds Flotilla's OCI image without a container engine: a Debian root
 * filesystem from mmdebstrap, the Node.js binary, the Go template helper
 * (built with the machine's Go) and the application as four layers, assembled
 * by umoci into an OCI image layout, configured to run as the unprivileged
 * user. The first build downloads Debian packages and Node.js and compiles the
 * helper; later ones reuse them from the cache.
 */
export async function buildImage(o: ImageBuildOptions): Promise<ImageBuildResult> {
  const env = o.env ?? process.env;
  need(await onPath('umoci', env), 'umoci is not installed: apt-get install mmdebstrap umoci');
  const started = Date.now();
  const rootfs = await debianRootfs(o, env);
  const node = await nodeBinary(o, env);
  const goTemplate = await goTemplateHelper(o, env);
  await mkdir(join(o.cacheDir, 'image'), { recursive: true });
  const work = await mkdtemp(join(o.cacheDir, 'image', '.app-'));
  try {
    const app = join(work, 'app');
    await appDirectory(o, env, app);
    o.log?.(`image: assembling ${o.layout}:${o.tag}`);
    if (!(await exists(join(o.layout, 'index.json')))) {
      await mkdir(o.layout, { recursive: true });
      await rm(o.layout, { recursive: true });
      await umoci(['init', '--layout', o.layout], env);
    }
    const ref = `${o.layout}:${o.tag}`;
    await umoci(['rm', '--image', ref], env).catch(() => undefined);
    await umoci(['new', '--image', ref], env);
    await umoci(['raw', 'add-layer', '--image', ref, rootfs], env);
    await umoci(['insert', '--image', ref, node, '/usr/local/bin/node'], env);
    await umoci(['insert', '--image', ref, goTemplate, IMAGE.goTemplate.path], env);
    await umoci(['insert', '--image', ref, app, IMAGE.appDir], env);
    const version = JSON.parse(await readFile(join(o.root, 'package.json'), 'utf8')) as {
      version: string;
    };
    await umoci(
      [
        'config',
        '--image',
        ref,
        `--config.user=${IMAGE.user.uid}:${IMAGE.user.uid}`,
        `--config.workingdir=${IMAGE.appDir}`,
        ...IMAGE.entrypoint.map((a) => `--config.entrypoint=${a}`),
        ...IMAGE.cmd.map((a) => `--config.cmd=${a}`),
        ...Object.entries(IMAGE.env).map(([k, v]) => `--config.env=${k}=${v}`),
        `--config.label=org.opencontainers.image.title=flotilla`,
        `--config.label=org.opencontainers.image.version=${version.version}`,
      ],
      env,
    );
    await umoci(['gc', '--layout', o.layout], env);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const { digest, bytes } = await manifestOf(o.layout, o.tag);
  o.log?.(
    `image: ${o.layout}:${o.tag} ${digest} (${(bytes / 2 ** 20).toFixed(0)} MiB compressed) in ${formatElapsed(Date.now() - started)}`,
  );
  return { layout: o.layout, tag: o.tag, digest, bytes };
}

/** Unpacks an image of a layout into `dest/rootfs` (with its runtime `config.json` beside it). */
export async function unpackImage(
  layout: string,
  tag: string,
  dest: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  await rm(dest, { recursive: true, force: true });
  await umoci(['unpack', '--image', `${layout}:${tag}`, dest], env);
  return join(dest, 'rootfs');
}
