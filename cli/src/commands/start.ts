import type { Command } from 'commander';
import { join, relative } from 'node:path';
import { clusterDown, clusterStatus, clusterUp } from '@flotilla/devcluster';
import { connectBus, provisionBus } from '@flotilla/bus';
import { ensureNamespace, installCrds, loadKubeConfig } from '@flotilla/kube';
import { runRoles } from '@flotilla/runtime';
import { provisionTools } from '@flotilla/toolchain';
import { cliContext, progress } from '../context.js';
import { ensureNats, ensureRedis, type OwnedServer } from '../infra.js';
import { loadRoles } from './run.js';
import { summaryOf } from './summaries.js';
import { demoHints, demoPaths, ensureDemoApplication, ensureDemoRepo, followApp } from '../demo.js';

const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

/** `flotilla start` (npm start). */
export function registerStart(program: Command): void {
  program
    .command('start')
    .description(summaryOf('start'))
    .action(async () => {
      const ctx = cliContext();
      const owned: OwnedServer[] = [];
      let ownCluster = false;
      const stopOwned = async () => {
        for (const s of owned.reverse()) await s.stop();
        if (ownCluster) {
          progress('stopping the local control plane');
          await clusterDown({ root: ctx.root });
        }
      };
      try {
        await provisionTools({ cacheDir: ctx.cacheDir, log: progress });
        const nats = await ensureNats(
          ctx.env['FLOTILLA_NATS_URL'] ?? DEFAULT_NATS_URL,
          join(ctx.root, '.flotilla'),
        );
        if (nats.owned) owned.push(nats.owned);
        progress(`NATS: ${nats.url}${nats.owned ? ' (started here)' : ''}`);
        const nc = await connectBus({ servers: nats.url, name: 'flotilla-start' });
        await provisionBus(nc);
        await nc.close();
        progress('bus streams and consumers are in place');
        const redis = await ensureRedis(ctx.env['FLOTILLA_REDIS_URL'] ?? 'redis://127.0.0.1:6379');
        if (redis.owned) owned.push(redis.owned);
        progress(`Redis: ${redis.url}${redis.owned ? ' (started here)' : ''}`);
        let kubeconfig = ctx.env['KUBECONFIG'];
        if (!kubeconfig) {
          progress('no KUBECONFIG set: using the local control plane');
          ownCluster = !(await clusterStatus({ root: ctx.root })).healthy;
          const info = await clusterUp({
            root: ctx.root,
            cacheDir: ctx.cacheDir,
            env: ctx.env,
            log: progress,
          });
          kubeconfig = info.kubeconfig;
        }
        progress(`Kubernetes: ${kubeconfig}`);
        const kc = loadKubeConfig(kubeconfig);
        await installCrds(kc);
        await ensureNamespace(kc, ctx.env['FLOTILLA_NAMESPACE'] ?? 'flotilla');
        progress('Application, AppProject and ApplicationSet CRDs installed (kubectl get fapp)');
        const namespace = ctx.env['FLOTILLA_NAMESPACE'] ?? 'flotilla';
        const repoURL = await ensureDemoRepo(ctx.root);
        await ensureDemoApplication(kc, ctx.root, namespace, repoURL);
        progress(
          `demo app: ${namespace}/demo from ${repoURL} (edit in ${demoPaths(ctx.root).work}, commit and push)`,
        );
        await runRoles(
          'flotilla',
          await loadRoles(),
          {
            // The local demo repository is a file:// URL; polling is brisk so pushes show quickly.
            FLOTILLA_ALLOW_LOCAL_REPOS: 'true',
            FLOTILLA_POLL_INTERVAL_SECONDS: '10',
            FLOTILLA_POLL_JITTER_SECONDS: '2',
            // The progress lines are the quick start's output; role logs show warnings only.
            FLOTILLA_LOG_LEVEL: 'warn',
            ...ctx.env,
            FLOTILLA_NATS_URL: nats.url,
            FLOTILLA_REDIS_URL: redis.url,
            KUBECONFIG: kubeconfig,
          },
          stopOwned,
        );
        progress(
          `all five roles are running (logs at ${ctx.env['FLOTILLA_LOG_LEVEL'] ?? 'warn'} level: set FLOTILLA_LOG_LEVEL=info for more); following the demo app (Ctrl-C stops everything started here)`,
        );
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        process.once('SIGTERM', () => stop.abort());
        const hints = demoHints(
          relative(process.cwd(), demoPaths(ctx.root).work) || '.',
          nats.url === DEFAULT_NATS_URL ? undefined : nats.url,
        );
        await followApp(
          kc,
          namespace,
          'demo',
          (l) => progress(`demo: ${l}`),
          stop.signal,
          () => progress(hints),
        );
      } catch (err) {
        await stopOwned();
        throw err;
      }
    });
}
