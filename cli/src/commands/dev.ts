import type { Command } from 'commander';
import { clusterDown, clusterStatus, clusterUp, COMPONENTS } from '@flotilla/devcluster';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  buildImage,
  provisionControlPlane,
  pushImage,
  provisionTools,
  resolveTool,
} from '@flotilla/toolchain';
import { cliContext, progress } from '../context.js';
import { exitCodesHelp } from '../exit.js';
import { summaryOf } from './summaries.js';

/** `flotilla dev ...`: the local development environment. */
export function registerDev(program: Command): void {
  const dev = program.command('dev').description(summaryOf('dev'));

  dev
    .command('provision')
    .description(
      'fill the tool cache: helm and kubectl, and the control-plane binaries built from Go modules',
    )
    .option('--tools-only', 'only helm and kubectl; skip the Go builds')
    .action(async (opts: { toolsOnly?: boolean }) => {
      const ctx = cliContext();
      await provisionTools({ cacheDir: ctx.cacheDir, log: progress });
      for (const tool of ['helm', 'kubectl'] as const) {
        progress(
          `${tool}: ${await resolveTool(tool, { cacheDir: ctx.cacheDir, overrides: ctx.overrides })}`,
        );
      }
      if (!opts.toolsOnly)
        await provisionControlPlane({ cacheDir: ctx.cacheDir, env: ctx.env, log: progress });
      progress(`tool cache ready: ${ctx.cacheDir}`);
    });

  dev
    .command('image')
    .description(
      "build Flotilla's OCI image without a container engine (mmdebstrap + umoci; needs root)",
    )
    .option('--output <dir>', 'OCI image layout to write', '.flotilla/image/oci')
    .option('--tag <tag>', 'image tag (default: the package version)')
    .option(
      '--push <ref>',
      'then push it with skopeo to host/repository[:tag] (login with skopeo login), keeping its digest',
    )
    .option('--cert-dir <dir>', "CA certificates (*.crt) of the registry's TLS, for --push")
    .addHelpText(
      'after',
      `
The image holds what deploy/Dockerfile installs: Debian's packages from
deploy/image/packages.txt, the official Node.js build, the application with its
production dependencies, helm and kubectl, and the flotilla-gotemplate helper
(built static with the Go on PATH). The first build downloads the Debian
packages and Node.js into the tool cache; later builds reuse them.

--push copies it to a registry with skopeo (apt-get install skopeo), the manifest
unchanged, and checks that the registry serves the digest the build made:
  flotilla dev image --push registry.example.com/flotilla:<tag>`,
    )
    .action(async (opts: { output: string; tag?: string; push?: string; certDir?: string }) => {
      const ctx = cliContext();
      const { version } = JSON.parse(await readFile(join(ctx.root, 'package.json'), 'utf8')) as {
        version: string;
      };
      const result = await buildImage({
        root: ctx.root,
        cacheDir: ctx.cacheDir,
        layout: resolve(opts.output),
        tag: opts.tag ?? version,
        env: ctx.env,
        log: progress,
      });
      process.stdout.write(`${result.layout}:${result.tag} ${result.digest}\n`);
      if (!opts.push) return;
      const pushed = await pushImage({
        layout: result.layout,
        tag: result.tag,
        destination: opts.push.includes(':', opts.push.lastIndexOf('/'))
          ? opts.push
          : `${opts.push}:${result.tag}`,
        ...(opts.certDir ? { certDir: resolve(opts.certDir) } : {}),
        env: ctx.env,
        log: progress,
      });
      if (pushed.digest !== result.digest)
        throw new Error(
          `the registry serves ${pushed.digest} for ${pushed.reference}, not the built ${result.digest}`,
        );
      process.stdout.write(`${pushed.reference} ${pushed.digest}\n`);
    });

  const cluster = dev
    .command('cluster')
    .description('a real local Kubernetes control plane (etcd, kube-apiserver, KWOK)');

  cluster
    .command('up')
    .description('start the control plane (idempotent) and write .flotilla/kubeconfig')
    .action(async () => {
      const ctx = cliContext();
      const info = await clusterUp({
        root: ctx.root,
        cacheDir: ctx.cacheDir,
        env: ctx.env,
        log: progress,
      });
      process.stdout.write(
        `cluster ${info.version} is up at ${info.server}\n` +
          `export KUBECONFIG=${info.kubeconfig}\n`,
      );
    });

  cluster
    .command('down')
    .description('stop every control-plane process')
    .option('--purge', 'also delete the cluster data')
    .action(async (opts: { purge?: boolean }) => {
      const ctx = cliContext();
      const stopped = await clusterDown({ root: ctx.root, purge: opts.purge });
      process.stdout.write(`stopped ${stopped} process(es)${opts.purge ? '; data deleted' : ''}\n`);
    });

  const status = cluster
    .command('status')
    .description('show which components run and whether the apiserver is ready');
  exitCodesHelp(
    status,
    `
Exit codes:
  0  the apiserver is ready
  1  failed
  2  usage error
  3  the apiserver is not ready`,
  )
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (opts: { output: string }) => {
      const ctx = cliContext();
      const st = await clusterStatus({ root: ctx.root });
      if (opts.output === 'json') {
        process.stdout.write(JSON.stringify(st, null, 2) + '\n');
      } else {
        process.stdout.write(
          `apiserver: ${st.healthy ? 'ready' : 'not ready'}${st.server ? ` (${st.server})` : ''}\n`,
        );
        for (const c of COMPONENTS) {
          const comp = st.components[c];
          process.stdout.write(
            `  ${c.padEnd(24)} ${comp ? `${comp.alive ? 'running' : 'stopped'} (pid ${comp.pid})` : 'not running'}\n`,
          );
        }
        process.stdout.write(`kubeconfig: ${st.kubeconfig}\n`);
      }
      process.exitCode = st.healthy ? 0 : 3;
    });
}
