// `app diff` without Redis: the CLI renders the app itself, with the
// renderer's own code, at the commits the differ last compared.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Application } from '@flotilla/api';
import { GitClient } from '@flotilla/git';
import type { KubeConfig } from '@flotilla/kube';
import { ChartClient, Renderer } from '@flotilla/render';
import { AppRenderer, sourcesOf, watchRepoAccess } from '@flotilla/renderer';
import { resolveTool } from '@flotilla/toolchain';
import type { CliContext } from './context.js';

/** What a local render produced, shaped like the renderer's desired state. */
export interface LocalRender {
  readonly revisions: string[];
  readonly objects: readonly Record<string, unknown>[];
  /** Whether the revisions are the ones the differ compared (otherwise resolved now). */
  readonly compared: boolean;
}

/** The revisions `status.sync` says the differ compared, one per source; undefined before any. */
export function comparedRevisions(app: Application): string[] | undefined {
  const sync = app.status?.sync;
  const count = sourcesOf(app).length;
  const revisions = sync?.revisions?.length
    ? sync.revisions
    : sync?.revision
      ? [sync.revision]
      : [];
  return revisions.length === count && revisions.every(Boolean) ? [...revisions] : undefined;
}

/**
 * Renders `app` as the renderer would: at the commits `status.sync` names
 * (so the comparison is the differ's), or, before the first comparison, at
 * what its targetRevisions point to now. Needs git, and helm and kubectl
 * from the tool cache (or PATH). Local repositories are allowed: the CLI
 * reads only what its user can read anyway.
 */
export async function renderLocally(
  ctx: CliContext,
  kc: KubeConfig,
  namespace: string,
  app: Application,
): Promise<LocalRender> {
  const tools = { cacheDir: ctx.cacheDir, overrides: ctx.overrides, path: ctx.env['PATH'] };
  const [helm, kubectl] = await Promise.all([
    resolveTool('helm', tools),
    resolveTool('kubectl', tools),
  ]);
  // Repository credentials and trusted certificates from Flotilla's namespace, as
  // the renderer reads them; a user who may not read Secrets gets git's own
  // configuration and public chart repositories.
  const access = await watchRepoAccess(kc, namespace);
  const work = await mkdtemp(join(tmpdir(), 'flotilla-diff-'));
  try {
    const charts = new ChartClient({
      cacheDir: ctx.env['FLOTILLA_CHART_CACHE_DIR'] || ctx.cacheDir,
      credentials: () => access.credentials(),
      trustedCerts: () => access.trustedCerts(),
    });
    const apps = new AppRenderer({
      git: new GitClient({
        cacheDir: ctx.env['FLOTILLA_REPO_CACHE_DIR'] || join(ctx.cacheDir, 'cli-repos'),
        allowLocal: true,
        credentials: () => access.credentials(),
      }),
      renderer: new Renderer({
        helmPath: helm,
        kubectlPath: kubectl,
        tmpDir: work,
        convert: { namespace },
        charts,
      }),
      charts,
      memoTtlMs: 0,
      toolKey: `${helm}|${kubectl}`,
    });
    const compared = comparedRevisions(app);
    const ref = { namespace, name: app.metadata?.name ?? '' };
    const rendered = await apps.render(app, {
      version: 1,
      kind: 'render',
      app: ref,
      reason: 'flotilla app diff',
      ...(compared ? { revisions: compared } : {}),
    });
    return { revisions: rendered.revisions, objects: rendered.objects, compared: !!compared };
  } finally {
    await access.stop();
    await rm(work, { recursive: true, force: true });
  }
}
