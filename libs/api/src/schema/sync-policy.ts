import type { Static, TSchema } from '@sinclair/typebox';
import { GO_DURATION, celString, has, withRules } from '../rules.js';
import { bool, int64, obj, opt, str, stringMap, strings } from './build.js';

const SECONDS_OR_DURATION = `^[0-9]+$|${GO_DURATION}`;
const secondsOrDuration = new RegExp(SECONDS_OR_DURATION);

const durationRule = (field: string) => ({
  rule: `!has(self.${field}) || self.${field}.matches(${celString(SECONDS_OR_DURATION)})`,
  message: `backoff.${field} must be a number of seconds or a duration such as 30s, 2m or 1h`,
  holds: (s: Readonly<Record<string, unknown>>) =>
    !has(s, field) || (typeof s[field] === 'string' && secondsOrDuration.test(s[field])),
});

/** How long to wait between retries of a failed sync, as stored (no input rules). */
export const Backoff = obj(
  'How long to wait between retries: duration × factor^attempt, capped at maxDuration.',
  {
    duration: opt(
      str('Wait before the first retry: seconds ("5") or a duration ("5s", "2m"). Default 5s.', {
        maxLength: 64,
      }),
    ),
    factor: opt(int64('Multiplies the wait after each failed retry. Default 2.')),
    maxDuration: opt(
      str('Longest wait between retries: seconds or a duration. Default 3m.', { maxLength: 64 }),
    ),
  },
);

/** {@link Backoff} with the rules users' input must meet. */
export const BackoffInput = withRules(Backoff, [
  durationRule('duration'),
  durationRule('maxDuration'),
]);

const retryStrategy = <B extends TSchema>(backoff: B) =>
  obj('How a failed sync is retried.', {
    limit: opt(
      int64(
        'Most retries of a failed sync: 0 means none, a negative number means no limit. Automated syncs default to 5.',
      ),
    ),
    backoff: opt(backoff),
  });

/** How to retry a failed sync, as stored (no input rules). */
export const RetryStrategy = retryStrategy(Backoff);
/** How to retry a failed sync. */
export type RetryStrategy = Static<typeof RetryStrategy>;

/** {@link RetryStrategy} with the rules users' input must meet. */
export const RetryStrategyInput = retryStrategy(BackoffInput);

/** Automated sync settings. */
export const SyncPolicyAutomated = obj(
  'Sync automatically when the app is OutOfSync. An empty object turns automated sync on.',
  {
    enabled: opt(
      bool('Turns automated sync off when false while keeping the other settings. Default true.'),
    ),
    prune: opt(
      bool(
        'Delete resources that are no longer in the sources during automated syncs. Default false.',
      ),
    ),
    selfHeal: opt(
      bool(
        'Sync again when live resources drift from the sources, not only when the sources change. Default false.',
      ),
    ),
    allowEmpty: opt(
      bool('Allow an automated sync that would leave the app with no resources. Default false.'),
    ),
  },
);

/** Metadata for a namespace the sync creates (with CreateNamespace=true). */
export const ManagedNamespaceMetadata = obj(
  'Labels and annotations set on the destination namespace when the sync creates it (syncOptions CreateNamespace=true).',
  {
    labels: opt(stringMap('Labels set on the namespace.')),
    annotations: opt(stringMap('Annotations set on the namespace.')),
  },
);

/** When and how an Application is synced. */
export const SyncPolicy = obj('When and how the app is synced.', {
  automated: opt(SyncPolicyAutomated),
  syncOptions: opt(
    strings(
      'Options for every sync of the app, such as CreateNamespace=true, PruneLast=true, ServerSideApply=true, ApplyOutOfSyncOnly=true or Prune=false.',
    ),
  ),
  retry: opt(RetryStrategyInput),
  managedNamespaceMetadata: opt(ManagedNamespaceMetadata),
});
/** When and how an Application is synced. */
export type SyncPolicy = Static<typeof SyncPolicy>;
