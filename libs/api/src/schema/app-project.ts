import { Type, type Static } from '@sinclair/typebox';
import { SyncWindowKind } from '../enums.js';
import { API_VERSION, APP_PROJECT } from '../group.js';
import { GO_DURATION, celString, hasItems, withRules } from '../rules.js';
import { bool, int64, list, obj, oneOf, opt, str, strings } from './build.js';
import { ObjectMeta } from './metadata.js';

/** An API group and kind; globs allowed. */
export const GroupKind = obj('An API group and kind; both accept globs, "*" matches everything.', {
  group: str('API group ("" for the core group).'),
  kind: str('Kind.'),
});

/** A JWT issued for a project role. */
export const JWTToken = obj('A token issued for the role.', {
  iat: int64('Issued at, in seconds since the epoch.'),
  exp: opt(int64('Expires at, in seconds since the epoch; never when unset.')),
  id: opt(str('Token ID.')),
});

/** An RBAC role scoped to a project. */
export const ProjectRole = obj('A role with access to the project’s apps.', {
  name: str(
    'Role name: letters, digits, "-" and "_", starting and ending with a letter or digit.',
    {
      pattern: '^[a-zA-Z0-9]([-_a-zA-Z0-9]*[a-zA-Z0-9])?$',
    },
  ),
  description: opt(str('What the role is for.')),
  policies: opt(
    strings(
      'Casbin policy lines: p, proj:<project>:<role>, <resource>, <action>, <project>/<object>, allow|deny.',
    ),
  ),
  jwtTokens: opt(list('Tokens issued for the role.', JWTToken)),
  groups: opt(strings('OIDC groups bound to the role.')),
});

const WINDOW_DURATION = new RegExp(GO_DURATION);
const CRON_FIVE_FIELDS = '^\\s*\\S+(\\s+\\S+){4}\\s*$';
const cronFiveFields = new RegExp(CRON_FIVE_FIELDS);

/** A time window that allows or blocks syncs. */
export const SyncWindow = withRules(
  obj(
    'A recurring time window that allows or blocks syncs of matching apps. A deny window wins over an allow window.',
    {
      kind: oneOf(SyncWindowKind, 'allow or deny.'),
      schedule: str(
        'When the window opens, as a five-field cron expression (minute hour day-of-month month day-of-week).',
        {
          maxLength: 256,
        },
      ),
      duration: str('How long the window stays open, such as 1h or 30m.', { maxLength: 64 }),
      applications: opt(strings('Apps the window applies to (globs).')),
      namespaces: opt(strings('Destination namespaces the window applies to (globs).')),
      clusters: opt(
        strings('Destination clusters (server or name) the window applies to (globs).'),
      ),
      manualSync: opt(bool('Let manual syncs through while the window blocks syncs.')),
      timeZone: opt(str('IANA time zone of the schedule, such as Europe/Paris. Default UTC.')),
      andOperator: opt(
        bool(
          'Match apps that meet every list set (applications, namespaces, clusters) instead of any.',
        ),
      ),
    },
  ),
  [
    {
      rule: `self.duration.matches(${celString(GO_DURATION)})`,
      message: 'sync window duration must be a duration such as 1h or 30m',
      holds: (w) => typeof w['duration'] === 'string' && WINDOW_DURATION.test(w['duration']),
    },
    {
      rule: `self.schedule.matches(${celString(CRON_FIVE_FIELDS)})`,
      message:
        'sync window schedule must be a cron expression with five fields (minute hour day-of-month month day-of-week)',
      holds: (w) => typeof w['schedule'] === 'string' && cronFiveFields.test(w['schedule']),
    },
    {
      rule: '(has(self.applications) && size(self.applications) > 0) || (has(self.namespaces) && size(self.namespaces) > 0) || (has(self.clusters) && size(self.clusters) > 0)',
      message: 'a sync window must list at least one of applications, namespaces or clusters',
      holds: (w) =>
        hasItems(w, 'applications') || hasItems(w, 'namespaces') || hasItems(w, 'clusters'),
    },
  ],
);
/** A time window that allows or blocks syncs. */
export type SyncWindow = Static<typeof SyncWindow>;

/** The service account a sync impersonates for a destination. */
export const ApplicationDestinationServiceAccount = obj(
  'The service account syncs impersonate for a destination.',
  {
    server: str('API server URL of the destination cluster (glob).'),
    namespace: opt(str('Destination namespace (glob).')),
    defaultServiceAccount: str('Service account to impersonate, as name or namespace:name.'),
  },
);

/** Which orphaned resources to report. */
export const OrphanedResourcesMonitorSettings = obj(
  'Report resources in the destination namespaces that no app manages.',
  {
    warn: opt(bool('Set an OrphanedResourceWarning condition on apps with orphaned resources.')),
    ignore: opt(
      list(
        'Resources never reported as orphaned.',
        obj('Resources to ignore; globs allowed.', {
          group: opt(str('API group.')),
          kind: opt(str('Kind.')),
          name: opt(str('Name.')),
        }),
      ),
    ),
  },
);

/** What the apps of a project may deploy, where, and when. */
export const AppProjectSpec = obj('What the project’s apps may deploy, where, and when.', {
  sourceRepos: opt(strings('Repositories apps may deploy from (globs; a leading ! denies).')),
  destinations: opt(
    list(
      'Clusters and namespaces apps may deploy to (globs; a leading ! denies).',
      obj('A cluster (by server or name) and a namespace apps may deploy to.', {
        server: opt(str('API server URL (glob).')),
        name: opt(str('Cluster name (glob).')),
        namespace: opt(str('Namespace (glob).')),
      }),
    ),
  ),
  description: opt(str('What the project is for.')),
  roles: opt(list('Roles with access to the project’s apps.', ProjectRole)),
  clusterResourceWhitelist: opt(
    list('Cluster-scoped kinds apps may deploy. None when empty.', GroupKind),
  ),
  clusterResourceBlacklist: opt(list('Cluster-scoped kinds apps may not deploy.', GroupKind)),
  namespaceResourceWhitelist: opt(
    list('Namespaced kinds apps may deploy. All when unset.', GroupKind),
  ),
  namespaceResourceBlacklist: opt(list('Namespaced kinds apps may not deploy.', GroupKind)),
  orphanedResources: opt(OrphanedResourcesMonitorSettings),
  syncWindows: opt(
    // Bounded so that the apiserver accepts the cost of the CEL rules on each window.
    list('When the project’s apps may sync (at most 100 windows).', SyncWindow, { maxItems: 100 }),
  ),
  signatureKeys: opt(
    list(
      'GPG keys that must have signed a Git commit before it is synced.',
      obj('A GPG key.', { keyID: str('Key ID, in hexadecimal.') }),
    ),
  ),
  sourceNamespaces: opt(
    strings(
      'Namespaces other than the control namespace whose Applications may use this project (globs).',
    ),
  ),
  destinationServiceAccounts: opt(
    list(
      'Service accounts syncs impersonate, per destination.',
      ApplicationDestinationServiceAccount,
    ),
  ),
  permitOnlyProjectScopedClusters: opt(
    bool('Allow only clusters that belong to this project as destinations.'),
  ),
});
/** What the apps of a project may deploy, where, and when. */
export type AppProjectSpec = Static<typeof AppProjectSpec>;

/** Observed state of an AppProject. */
export const AppProjectStatus = obj('Observed state of the project.', {
  jwtTokensByRole: opt(
    Type.Record(
      Type.String(),
      obj('Tokens of one role.', { items: opt(list('Tokens.', JWTToken)) }),
      { description: 'Tokens issued, by role name.' },
    ),
  ),
});

/** A group of Applications with shared limits and access rules. */
export const AppProject = Type.Object(
  {
    apiVersion: Type.Literal(API_VERSION, { description: `Always ${API_VERSION}.` }),
    kind: Type.Literal(APP_PROJECT.kind, { description: `Always ${APP_PROJECT.kind}.` }),
    metadata: ObjectMeta,
    spec: AppProjectSpec,
    status: opt(AppProjectStatus),
  },
  {
    description:
      'An AppProject groups Applications and limits what they may deploy (sourceRepos, resource lists), where (destinations) and when (syncWindows). Field for field compatible with Argo CD’s argoproj.io/v1alpha1 AppProject.',
    additionalProperties: false,
  },
);
/** A group of Applications with shared limits and access rules. */
export type AppProject = Static<typeof AppProject>;
