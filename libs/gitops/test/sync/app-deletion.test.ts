// Deleting an Application under a resources finalizer: which finalizers ask
// for it, what goes in which order, what is kept, and when an approval counts.
import { describe, expect, it } from 'vitest';
import {
  appDeletionMode,
  deletionConfirmationMessage,
  isDeletionApproved,
  planAppDeletion,
  type LiveResource,
} from '../../src/sync/index.js';
import { obj } from './fixtures.js';

const WAVE = 'argocd.argoproj.io/sync-wave';
const OPTIONS = 'argocd.argoproj.io/sync-options';

function live(kind: string, name: string, annotations: Record<string, string> = {}): LiveResource {
  const apiVersion = kind === 'Deployment' ? 'apps/v1' : 'v1';
  return {
    key: { group: kind === 'Deployment' ? 'apps' : '', kind, namespace: 'app', name },
    object: obj(apiVersion, kind, name, annotations, { namespace: 'app' }),
  };
}
const names = (p: ReturnType<typeof planAppDeletion>) =>
  p.waves.map((w) => `${w.wave}:${w.resources.map((r) => r.key.name).join(',')}`);

describe('appDeletionMode', () => {
  it('cascades in the foreground for the bare resources finalizer, either spelling', () => {
    for (const f of [
      'resources-finalizer.flotilla.dev',
      'resources-finalizer.argocd.argoproj.io',
    ]) {
      expect(appDeletionMode([f, 'other.example.com/keep'])).toEqual({
        handled: [f],
        cascade: true,
        propagation: 'Foreground',
      });
    }
  });

  it('cascades in the background only for the /background form', () => {
    expect(appDeletionMode(['resources-finalizer.argocd.argoproj.io/background'])).toMatchObject({
      cascade: true,
      propagation: 'Background',
    });
    expect(appDeletionMode(['resources-finalizer.flotilla.dev/foreground'])).toMatchObject({
      cascade: true,
      propagation: 'Foreground',
    });
  });

  it('does not cascade without a resources finalizer; post-delete finalizers are still handled', () => {
    expect(appDeletionMode(undefined)).toEqual({
      handled: [],
      cascade: false,
      propagation: 'Foreground',
    });
    expect(appDeletionMode(['kubernetes', 'post-delete-finalizer.argocd.argoproj.io'])).toEqual({
      handled: ['post-delete-finalizer.argocd.argoproj.io'],
      cascade: false,
      propagation: 'Foreground',
    });
  });
});

describe('isDeletionApproved', () => {
  const app = (annotations: Record<string, string>) =>
    obj('flotilla.dev/v1alpha1', 'Application', 'a', annotations);
  const since = '2024-01-02T03:04:05.678Z';

  it('accepts an RFC 3339 approval at or after the start, to the second, in either spelling', () => {
    expect(
      isDeletionApproved(app({ 'flotilla.dev/deletion-approved': '2024-01-02T03:04:05Z' }), since),
    ).toBe(true);
    expect(
      isDeletionApproved(
        app({ 'argocd.argoproj.io/deletion-approved': '2024-01-02T04:00:00+01:00' }),
        since,
      ),
    ).toBe(false);
    expect(
      isDeletionApproved(
        app({ 'argocd.argoproj.io/deletion-approved': '2024-01-02T05:00:00+01:00' }),
        since,
      ),
    ).toBe(true);
  });

  it('refuses an approval older than the start, an unreadable one, or none', () => {
    expect(
      isDeletionApproved(app({ 'flotilla.dev/deletion-approved': '2024-01-02T03:04:04Z' }), since),
    ).toBe(false);
    expect(isDeletionApproved(app({ 'flotilla.dev/deletion-approved': 'yes' }), since)).toBe(false);
    expect(isDeletionApproved(app({ 'flotilla.dev/deletion-approved': '2030-01-02' }), since)).toBe(
      false,
    );
    expect(isDeletionApproved(app({}), since)).toBe(false);
    expect(
      isDeletionApproved(
        app({ 'flotilla.dev/deletion-approved': '2030-01-02T00:00:00Z' }),
        'not a time',
      ),
    ).toBe(false);
  });
});

describe('planAppDeletion', () => {
  it('deletes the highest wave first and groups each wave', () => {
    const p = planAppDeletion(
      [
        live('ConfigMap', 'early', { [WAVE]: '-1' }),
        live('Deployment', 'web'),
        live('ConfigMap', 'late', { [WAVE]: '5' }),
        live('ConfigMap', 'plain'),
      ],
      { approved: false },
    );
    expect(names(p)).toEqual(['5:late', '0:web,plain', '-1:early']);
    expect(p.kept).toEqual([]);
    expect(p.awaitingApproval).toEqual([]);
  });

  it('keeps Delete=false and helm keep, leaves deletion hooks out, deletes leftover sync hooks', () => {
    const p = planAppDeletion(
      [
        live('ConfigMap', 'precious', { [OPTIONS]: 'Delete=false' }),
        live('ConfigMap', 'helm-kept', { 'helm.sh/resource-policy': 'keep' }),
        live('ConfigMap', 'pre', { 'argocd.argoproj.io/hook': 'PreDelete' }),
        live('ConfigMap', 'post-and-sync', { 'argocd.argoproj.io/hook': 'PostSync,PostDelete' }),
        live('ConfigMap', 'old-presync', { 'argocd.argoproj.io/hook': 'PreSync' }),
        live('ConfigMap', 'plain'),
      ],
      { approved: false },
    );
    expect(names(p)).toEqual(['0:old-presync,plain']);
    expect(p.kept.map((k) => k.name)).toEqual(['precious', 'helm-kept']);
  });

  it('an app-wide Delete=false keeps everything, unless a resource says Delete=true', () => {
    const p = planAppDeletion(
      [live('ConfigMap', 'a'), live('ConfigMap', 'b', { [OPTIONS]: 'Delete=true' })],
      { appSyncOptions: ['Delete=false'], approved: false },
    );
    expect(names(p)).toEqual(['0:b']);
    expect(p.kept.map((k) => k.name)).toEqual(['a']);
  });

  it('Delete=confirm waits for approval, then deletes with the rest', () => {
    const objects = [
      live('ConfigMap', 'confirm-me', { [OPTIONS]: 'Delete=confirm' }),
      live('ConfigMap', 'plain'),
    ];
    const waiting = planAppDeletion(objects, { approved: false });
    expect(waiting.awaitingApproval.map((k) => k.name)).toEqual(['confirm-me']);
    expect(deletionConfirmationMessage(waiting.awaitingApproval)).toBe(
      'Waiting for deletion confirmation of /ConfigMap/confirm-me',
    );
    const approved = planAppDeletion(objects, { approved: true });
    expect(approved.awaitingApproval).toEqual([]);
    expect(names(approved)).toEqual(['0:confirm-me,plain']);
  });
});
