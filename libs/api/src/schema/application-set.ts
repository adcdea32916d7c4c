import { Type, type Static } from '@sinclair/typebox';
import { ApplicationsSyncPolicy, ApplicationSetStrategyType } from '../enums.js';
import { API_VERSION, APPLICATION_SET } from '../group.js';
import { bool, intOrString, list, obj, oneOf, opt, str, strings, time } from './build.js';
import {
  ApplicationSetGenerator,
  ApplicationSetTemplate,
  LabelSelectorRequirement,
} from './application-set-generators.js';
import { ObjectMeta } from './metadata.js';

/** What the set may do to the Applications it generates. */
export const ApplicationSetSyncPolicy = obj('What the set may do to its Applications.', {
  preserveResourcesOnDeletion: opt(
    bool(
      'Keep the deployed resources when a generated Application is deleted: no resources finalizer is added.',
    ),
  ),
  applicationsSync: opt(
    oneOf(
      ApplicationsSyncPolicy,
      'create-only, create-update, create-delete or sync (the default: create, update and delete).',
    ),
  ),
});

/** A step of a progressive rollout. */
export const RollingSyncStep = obj('Applications whose labels match, synced together.', {
  matchExpressions: opt(list('Label requirements.', LabelSelectorRequirement)),
  maxUpdate: opt(intOrString('How many (or what percentage) of the step’s apps sync at once.')),
});

/** How changes roll out to the generated Applications. */
export const ApplicationSetStrategy = obj('How changes roll out to the Applications.', {
  type: opt(oneOf(ApplicationSetStrategyType, 'AllAtOnce (default) or RollingSync.')),
  rollingSync: opt(
    obj('Steps of a RollingSync.', { steps: opt(list('Steps, in order.', RollingSyncStep)) }),
  ),
});

/** The ApplicationSet's desired state. */
export const ApplicationSetSpec = obj('Generators, the template and policies.', {
  goTemplate: opt(
    bool('Render the template with Go text/template and Sprig instead of {{param}} substitution.'),
  ),
  goTemplateOptions: opt(strings('Go template options, such as missingkey=error.')),
  generators: list('Where the parameter sets come from.', ApplicationSetGenerator),
  template: ApplicationSetTemplate,
  templatePatch: opt(
    str('A templated YAML or JSON strategic merge patch applied to each rendered Application.'),
  ),
  syncPolicy: opt(ApplicationSetSyncPolicy),
  strategy: opt(ApplicationSetStrategy),
  preservedFields: opt(
    obj('Fields of generated Applications that others may change and the set keeps.', {
      annotations: opt(strings('Annotation keys.')),
      labels: opt(strings('Label keys.')),
    }),
  ),
  ignoreApplicationDifferences: opt(
    list(
      'Fields of generated Applications the set does not overwrite.',
      obj('Fields to leave alone on matching Applications.', {
        name: opt(str('Application name; every Application when empty.')),
        jsonPointers: opt(strings('RFC 6901 JSON pointers, such as /spec/source/targetRevision.')),
        jqPathExpressions: opt(strings('jq path expressions.')),
      }),
    ),
  ),
});
/** The ApplicationSet's desired state. */
export type ApplicationSetSpec = Static<typeof ApplicationSetSpec>;

/** A condition of an ApplicationSet. */
export const ApplicationSetCondition = obj('A condition, as Argo CD reports it.', {
  type: str('ErrorOccurred, ParametersGenerated, ResourcesUpToDate or RolloutProgressing.'),
  status: str('True, False or Unknown.'),
  reason: opt(str('Why, in one CamelCase word.')),
  message: opt(str('What happened.')),
  lastTransitionTime: opt(time('When the status last changed.')),
});
/** A condition of an ApplicationSet. */
export type ApplicationSetCondition = Static<typeof ApplicationSetCondition>;

/** One generated Application, as the set's status lists it. */
export const ApplicationSetApplicationStatus = obj('A generated Application.', {
  application: str('Name of the Application.'),
  status: opt(str('Progressive sync status: Waiting, Pending, Progressing or Healthy.')),
  message: opt(str('Detail.')),
  step: opt(str('RollingSync step, from 1.')),
  health: opt(str('Health of the Application.')),
  sync: opt(str('Sync status of the Application.')),
  lastTransitionTime: opt(time('When the status last changed.')),
});

/** Observed state of an ApplicationSet. */
export const ApplicationSetStatus = obj('Observed state of the set.', {
  conditions: opt(list('Conditions.', ApplicationSetCondition)),
  applicationStatus: opt(list('Each generated Application.', ApplicationSetApplicationStatus)),
  resources: opt(
    list(
      'The Applications the set owns.',
      obj('An owned Application.', {
        name: str('Name.'),
        namespace: opt(str('Namespace.')),
        health: opt(obj('Health.', { status: opt(str('Health status.')) })),
        status: opt(str('Sync status.')),
      }),
    ),
  ),
  observedGeneration: opt(Type.Integer({ description: 'Generation last reconciled.' })),
});
/** Observed state of an ApplicationSet. */
export type ApplicationSetStatus = Static<typeof ApplicationSetStatus>;

/** An ApplicationSet: one Application template stamped out per parameter set. */
export const ApplicationSet = Type.Object(
  {
    apiVersion: Type.Literal(API_VERSION, { description: `Always ${API_VERSION}.` }),
    kind: Type.Literal(APPLICATION_SET.kind, { description: `Always ${APPLICATION_SET.kind}.` }),
    metadata: ObjectMeta,
    spec: ApplicationSetSpec,
    status: opt(ApplicationSetStatus),
  },
  {
    description:
      'An ApplicationSet generates Applications from one template and parameter sets (a list, clusters, Git directories or files, pull requests, and matrix or merge of those). Field for field compatible with Argo CD’s argoproj.io/v1alpha1 ApplicationSet.',
    additionalProperties: false,
  },
);
/** An ApplicationSet. */
export type ApplicationSet = Static<typeof ApplicationSet>;
