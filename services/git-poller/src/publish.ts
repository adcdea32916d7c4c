import type { BusPublisher } from '@flotilla/bus';
import { createEvent, type AppRef } from '@flotilla/contracts';
import { failSpan, inSpan, SpanAttr } from '@flotilla/runtime';
import { stripCredentials, type PolledApp, type RenderDecision } from '@flotilla/git';

const SOURCE = '/flotilla/git-poller';

/**
 * Publishes a render command for a decision, and `source.changed` when the
 * revisions moved, in a `git-poller.commit` span: the root of the change's
 * trace, or the child of the webhook's span that asked.
 */
export function decisionPublisher(
  bus: BusPublisher,
  appOf: (ref: AppRef) => PolledApp | undefined,
  /** The app's resourceVersion as the poller's watch holds it: the renderer reads one at least as new. */
  resourceVersionOf: (ref: AppRef) => string | undefined = () => undefined,
) {
  return (d: RenderDecision): Promise<void> =>
    inSpan(
      'git-poller.commit',
      {
        attributes: {
          [SpanAttr.role]: 'git-poller',
          [SpanAttr.app]: `${d.app.namespace}/${d.app.name}`,
          [SpanAttr.reason]: stripCredentials(d.reason),
          ...(d.revisions ? { [SpanAttr.revision]: d.revisions.join(',') } : {}),
          [SpanAttr.result]: d.error ? 'unresolved' : 'render requested',
        },
      },
      async (span) => {
        // A source that cannot be resolved still goes to the renderer, which reports it.
        if (d.error) failSpan(span, stripCredentials(d.error));
        await publishDecision(d);
      },
    );

  async function publishDecision(d: RenderDecision): Promise<void> {
    const rv = resourceVersionOf(d.app);
    await bus.command(
      {
        version: 1,
        kind: 'render',
        app: d.app,
        reason: d.reason,
        ...(d.revisions ? { revisions: d.revisions } : {}),
        ...(d.revisions && d.digests ? { digests: d.digests } : {}),
        ...(d.previousRevisions ? { previousRevisions: d.previousRevisions } : {}),
        ...(d.refresh ? { refresh: d.refresh } : {}),
        ...(d.changedFiles ? { changedFiles: d.changedFiles } : {}),
        ...(rv ? { appResourceVersion: rv } : {}),
      },
      { msgId: `render-${d.id}` },
    );
    const app = appOf(d.app);
    const moved = d.revisions && d.revisions.join() !== d.previousRevisions?.join();
    if (!app || !d.revisions || !moved) return;
    const event = createEvent(
      'source.changed',
      d.app,
      {
        revisions: d.revisions,
        ...(d.previousRevisions ? { previousRevisions: d.previousRevisions } : {}),
        sources: app.sources.map((s, i) => ({
          repoURL: stripCredentials(s.repoURL),
          targetRevision: s.targetRevision ?? 'HEAD',
          revision: d.revisions?.[i] ?? '',
        })),
      },
      { source: SOURCE, id: `source-${d.id}` },
    );
    await bus.event('source.changed', d.app, event);
  }
}
