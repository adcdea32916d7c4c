import type { Static } from '@sinclair/typebox';
import { has, hasItems, withRules } from '../rules.js';
import { int64, list, obj, opt, str, strings } from './build.js';
import { ApplicationDestinationInput, Info } from './common.js';
import { ApplicationSourceInput, sourcesOf } from './source.js';
import { SyncPolicy } from './sync-policy.js';

/** Fields of matching resources to leave out of the diff. */
export const ResourceIgnoreDifferences = obj(
  'Fields of matching resources that the diff ignores. Resources match by group, kind, name and namespace.',
  {
    group: opt(str('API group of the resources ("" for the core group).')),
    kind: str('Kind of the resources.'),
    name: opt(str('Name of the resource; every name when empty.')),
    namespace: opt(str('Namespace of the resource; every namespace when empty.')),
    jsonPointers: opt(
      strings('RFC 6901 JSON pointers of fields to ignore, such as /spec/replicas.'),
    ),
    jqPathExpressions: opt(
      strings(
        'jq path expressions of fields to ignore, such as .spec.template.spec.initContainers[] | select(.name == "istio").',
      ),
    ),
    managedFieldsManagers: opt(
      strings(
        'Field managers (from metadata.managedFields) whose changes the diff ignores, such as kube-controller-manager.',
      ),
    ),
  },
);
/** Fields of matching resources to leave out of the diff. */
export type ResourceIgnoreDifferences = Static<typeof ResourceIgnoreDifferences>;

/** The desired state of an Application. */
export const ApplicationSpec = withRules(
  obj(
    'What to deploy (source or sources), where (destination), and how it is kept in sync (syncPolicy).',
    {
      source: opt(ApplicationSourceInput),
      sources: opt(
        sourcesOf(
          'Several sources whose manifests are deployed together. Set source or sources, not both.',
        ),
      ),
      destination: ApplicationDestinationInput,
      project: str('AppProject the app belongs to; "default" when empty.'),
      syncPolicy: opt(SyncPolicy),
      ignoreDifferences: opt(list('Differences the diff ignores.', ResourceIgnoreDifferences)),
      info: opt(list('Information shown with the app: links, contacts, notes.', Info)),
      revisionHistoryLimit: opt(
        int64(
          'Number of past syncs kept in status.history (for rollback and audit). Default 10; 0 keeps none.',
        ),
      ),
    },
  ),
  [
    {
      rule: 'has(self.source) != (has(self.sources) && size(self.sources) > 0)',
      message: 'exactly one of source or sources must be set',
      holds: (s) => has(s, 'source') !== hasItems(s, 'sources'),
    },
  ],
);
/** The desired state of an Application. */
export type ApplicationSpec = Static<typeof ApplicationSpec>;
