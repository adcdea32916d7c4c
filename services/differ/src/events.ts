import type { BusPublisher } from '@flotilla/bus';
import { createEvent, type AppRef } from '@flotilla/contracts';
import {
  deniedEventData,
  statusChanges,
  type ProjectDenial,
  type WindowVerdict,
} from '@flotilla/gitops';
import { appMetrics } from '@flotilla/runtime';
import type { Reconciled } from './reconcile.js';

const SOURCE = '/flotilla/differ';

/**
 * Publishes what changed in a comparison: sync status, health, and drifted
 * resources with their fields. The events go out together (one connection
 * keeps their order) and are awaited together.
 */
export async function publishChanges(bus: BusPublisher, ref: AppRef, r: Reconciled): Promise<void> {
  const sent: Promise<unknown>[] = [];
  const before = r.previous;
  const after = r.status;
  for (const c of statusChanges(before, after)) {
    sent.push(bus.event(c.type, ref, createEvent(c.type, ref, c.data, { source: SOURCE })));
  }
  // Drift: a resource that was Synced and now differs, at the same revision.
  const wasSynced = new Set(
    (before?.resources ?? [])
      .filter((x) => x.status === 'Synced')
      .map((x) => `${x.group}/${x.kind}/${x.namespace}/${x.name}`),
  );
  const sameRevision = (before?.sync?.revision ?? '') === (after.sync?.revision ?? '');
  const drifted = (r.diff?.resources ?? []).filter(
    (d) =>
      d.status === 'OutOfSync' &&
      sameRevision &&
      wasSynced.has(`${d.key.group}/${d.key.kind}/${d.key.namespace}/${d.key.name}`),
  );
  if (drifted.length > 0) {
    appMetrics.drift.inc(ref);
    const data = {
      resources: drifted.map((d) => ({ resource: d.key, fields: [...d.changedPaths] })),
    };
    sent.push(
      bus.event(
        'app.drift-detected',
        ref,
        createEvent('app.drift-detected', ref, data, { source: SOURCE }),
      ),
    );
  }
  await Promise.all(sent);
}

/** Publishes each refusal the app's project gave at comparison time. */
export async function publishDenials(
  bus: BusPublisher,
  ref: AppRef,
  denials: readonly ProjectDenial[],
): Promise<void> {
  for (const d of denials) {
    const data = deniedEventData(d, 'compare');
    await bus.event(
      'project.denied',
      ref,
      createEvent('project.denied', ref, data, { source: SOURCE }),
    );
  }
}

/** Publishes that a sync window holds a sync back (automated here, manual in the applier). */
export async function publishWindowBlock(
  bus: BusPublisher,
  ref: AppRef,
  verdict: WindowVerdict,
  manual: boolean,
): Promise<void> {
  const data = {
    message: verdict.message,
    manual,
    ...(verdict.nextChange ? { nextChange: verdict.nextChange.toISOString() } : {}),
  };
  await bus.event(
    'operation.blocked-by-window',
    ref,
    createEvent('operation.blocked-by-window', ref, data, { source: SOURCE }),
  );
}
