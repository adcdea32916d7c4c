// Which manifests a sync operation syncs: the app's rendered desired state,
// or, when the operation asks for another revision or source (a sync to a
// revision, a rollback), a render of exactly that, asked of the renderer and
// waited for between deliveries of the sync command.
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Application, ApplicationSource, Operation, OperationState } from '@flotilla/api';
import type { BusPublisher } from '@flotilla/bus';
import { appKey, type AppRef } from '@flotilla/contracts';
import type { DesiredState, DesiredStore } from '@flotilla/render';

/** How long an operation waits for its render before it ends with Error. */
export const OPERATION_RENDER_WAIT_MS = 10 * 60_000;
/** How often a waiting operation looks for its render. */
export const OPERATION_RENDER_POLL_MS = 1_000;

/** What an operation asks to sync, when that is not the app's rendered desired state. */
export interface OperationTarget {
  readonly sources: readonly ApplicationSource[];
  /** One per source as asked: branch, tag, SHA or chart version; empty for its targetRevision. */
  readonly revisions: readonly string[];
  readonly multiSource: boolean;
}

type SyncOperation = NonNullable<Operation['sync']>;

const sourcesOfSpec = (app: Application): readonly ApplicationSource[] =>
  app.spec?.sources?.length ? app.spec.sources : app.spec?.source ? [app.spec.source] : [];

/**
 * What `sync` asks for (Argo CD's rules: `source`/`sources` replace the
 * spec's, `revision` a single source's targetRevision, `revisions` each of
 * several), or undefined when `stored`, the app's rendered desired state,
 * is exactly that: same sources, each at the commit (or chart version)
 * `stored` was rendered at. A branch or tag, given or left to the
 * targetRevision, is resolved again for the operation, as Argo CD's sync
 * does: `stored` holds the commit the git-poller last saw, which a push
 * just before the sync has left behind. Automated syncs name the compared
 * commit, so they still use `stored`.
 */
export function operationTarget(
  app: Application,
  sync: SyncOperation,
  stored: DesiredState | undefined,
): OperationTarget | undefined {
  const spec = sourcesOfSpec(app);
  const sources = sync.sources?.length ? sync.sources : sync.source ? [sync.source] : spec;
  const multiSource =
    (sync.sources?.length ?? 0) > 0 || (!sync.source && (app.spec?.sources?.length ?? 0) > 0);
  const revisions = sources.map((_, i) =>
    ((multiSource ? sync.revisions?.[i] : sync.revision) ?? '').trim(),
  );
  const served =
    isDeepStrictEqual([...sources], [...spec]) &&
    revisions.every((rev, i) => {
      const wanted = (rev || spec[i]?.targetRevision || '').toLowerCase();
      return wanted !== '' && wanted === stored?.revisions[i]?.toLowerCase();
    });
  return served ? undefined : { sources, revisions, multiSource };
}

/** `revision 1a2b3c4`, `revisions main, v2`: for messages. */
export function describeTarget(target: OperationTarget): string {
  const revs = target.revisions.map((r, i) => r || target.sources[i]?.targetRevision || 'HEAD');
  return `${revs.length === 1 ? 'revision' : 'revisions'} ${revs.join(', ')}`;
}

/**
 * Identifies the render one attempt of an operation needs: a resumed
 * attempt finds the render it asked for, a retry (which moves startedAt)
 * renders again and so re-resolves branches.
 */
export function renderRequest(target: OperationTarget, startedAt: string): string {
  return createHash('sha256')
    .update(JSON.stringify([target.sources, target.revisions, startedAt]))
    .digest('hex')
    .slice(0, 32);
}

/**
 * The render of `target` for the attempt started at `startedAt`, or
 * undefined after asking the renderer for it (a repeat within the bus's
 * duplicate window is dropped, so asking on every look is cheap).
 */
export async function operationRender(
  deps: { readonly desired: DesiredStore; readonly bus: BusPublisher },
  ref: AppRef,
  target: OperationTarget,
  startedAt: string,
): Promise<DesiredState | undefined> {
  const request = renderRequest(target, startedAt);
  const found = await deps.desired.getForOperation(ref, request);
  if (found) return found;
  await deps.bus.command(
    {
      version: 1,
      kind: 'render',
      app: ref,
      reason: `sync operation to ${describeTarget(target)}`,
      operation: {
        request,
        sources: target.sources.map((s) => ({ ...s })),
        revisions: [...target.revisions],
      },
    },
    { msgId: `operation-render-${appKey(ref)}-${request}` },
  );
  return undefined;
}

/** What the sync result records about the sources synced (history takes it from there). */
export function syncedSources(
  app: Application,
  target: OperationTarget | undefined,
  revisions: readonly string[],
): Omit<NonNullable<OperationState['syncResult']>, 'revision' | 'resources'> {
  const sources = target?.sources ?? sourcesOfSpec(app);
  const multiSource = target?.multiSource ?? (app.spec?.sources?.length ?? 0) > 0;
  if (multiSource) return { sources: [...sources], revisions: [...revisions] };
  return sources[0] ? { source: sources[0] } : {};
}
