import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { bool, freeform, int64, list, obj, opt, str, stringMap, strings } from './build.js';
import { pullRequestGenerator } from './pull-request-generator.js';

/** A requirement on one label (`metav1.LabelSelectorRequirement`). */
export const LabelSelectorRequirement = obj('A requirement on one label.', {
  key: str('Label key.'),
  operator: str('In, NotIn, Exists or DoesNotExist.'),
  values: opt(strings('Values for In and NotIn.')),
});

/** A Kubernetes label selector (`metav1.LabelSelector`). */
export const LabelSelector = obj(
  'A label selector: every matchLabels entry and every matchExpressions requirement must hold.',
  {
    matchLabels: opt(stringMap('Labels that must be present with these values.')),
    matchExpressions: opt(list('Requirements on labels.', LabelSelectorRequirement)),
  },
);
/** A Kubernetes label selector. */
export type LabelSelector = Static<typeof LabelSelector>;

/** The metadata an ApplicationSet template gives each generated Application. */
export const ApplicationSetTemplateMeta = obj(
  'Metadata of each generated Application; strings may hold template parameters.',
  {
    name: opt(str('Name of the Application, usually templated, such as "{{cluster}}-guestbook".')),
    namespace: opt(str('Ignored: generated Applications live in the ApplicationSet’s namespace.')),
    labels: opt(stringMap('Labels.')),
    annotations: opt(stringMap('Annotations.')),
    finalizers: opt(
      strings(
        'Finalizers. When empty, the resources finalizer is added unless syncPolicy.preserveResourcesOnDeletion is set.',
      ),
    ),
  },
);

const templateSpec = freeform(
  'The Application spec (project, source or sources, destination, syncPolicy...), exactly as in an Application; strings may hold template parameters. Checked as an Application once rendered.',
);

/** The Application an ApplicationSet stamps out for each parameter set. */
export const ApplicationSetTemplate = obj('The Application generated for each parameter set.', {
  metadata: ApplicationSetTemplateMeta,
  spec: templateSpec,
});
/** The Application an ApplicationSet stamps out for each parameter set. */
export type ApplicationSetTemplate = Static<typeof ApplicationSetTemplate>;

/** A generator's own template: fields it sets override the ApplicationSet's template. */
export const GeneratorTemplate = obj(
  'Overrides of the ApplicationSet’s template for this generator’s Applications.',
  {
    metadata: opt(ApplicationSetTemplateMeta),
    spec: opt(templateSpec),
  },
);
/** A generator's own template. */
export type GeneratorTemplate = Static<typeof GeneratorTemplate>;

const values = () =>
  opt(stringMap('Extra parameters, available as values.<key>; they may use other parameters.'));
const template = () => opt(GeneratorTemplate);
const requeue = () =>
  opt(int64('How often to run the generator again, in seconds. Default 180 for Git.'));

/** Parameter sets written out in the ApplicationSet. */
export const ListGenerator = obj('One parameter set per element.', {
  elements: opt(list('The parameter sets.', freeform('One parameter set.'))),
  elementsYaml: opt(str('More parameter sets, as a YAML list; may be templated in a matrix.')),
  template: template(),
});

/** One parameter set per cluster Secret. */
export const ClusterGenerator = obj(
  'One parameter set per registered cluster (name, nameNormalized, server, project, metadata.labels, metadata.annotations).',
  {
    selector: opt(LabelSelector),
    values: values(),
    flatList: opt(bool('Give one parameter set holding every cluster as a list under clusters.')),
    template: template(),
  },
);

const gitItem = (what: string) =>
  obj(`A ${what} pattern.`, {
    path: str(`A ${what} path, with Go path.Match globs (*, ?, [a-z]).`),
    exclude: opt(bool(`Leave out ${what}s matching this pattern, even if another includes them.`)),
  });

/** Parameter sets from the directories or files of a Git repository. */
export const GitGenerator = obj(
  'One parameter set per matching directory, or per object in matching JSON/YAML files.',
  {
    repoURL: str('Repository URL.'),
    revision: opt(str('Branch, tag or commit. Default HEAD.')),
    directories: opt(list('Directory patterns.', gitItem('directory'))),
    files: opt(list('File patterns.', gitItem('file'))),
    pathParamPrefix: opt(str('Prefix of the path parameters, for two Git generators in a matrix.')),
    values: values(),
    requeueAfterSeconds: requeue(),
    template: template(),
  },
);

const plain = {
  list: opt(ListGenerator),
  clusters: opt(ClusterGenerator),
  git: opt(GitGenerator),
  pullRequest: opt(pullRequestGenerator(GeneratorTemplate)),
  scmProvider: opt(
    freeform(
      'Parameter sets from the repositories of an SCM organisation or group: github, gitlab, gitea, bitbucketServer, bitbucket or azureDevOps (Argo CD’s fields).',
    ),
  ),
  clusterDecisionResource: opt(
    freeform('Not supported: parameter sets from a duck-typed resource.'),
  ),
  plugin: opt(freeform('Not supported: parameter sets from a plugin service.')),
  selector: opt(LabelSelector),
};

const combining = (nested: TSchema) => ({
  matrix: opt(
    obj('Every combination of the parameter sets of two generators.', {
      generators: list('Exactly two generators.', nested),
      template: template(),
    }),
  ),
  merge: opt(
    obj('The parameter sets of the first generator, with matching sets of the others merged in.', {
      generators: list('Two or more generators; the first is the base.', nested),
      mergeKeys: strings('Parameters that identify a set across generators.'),
      template: template(),
    }),
  ),
});

// A matrix or merge two levels down is kept as written, as in Argo CD's CRD.
const innermost = Type.Object(
  { ...plain, matrix: opt(freeform('A matrix generator.')), merge: opt(freeform('A merge.')) },
  { description: 'A generator inside a nested matrix or merge.', additionalProperties: false },
);
const nested = obj('A generator inside a matrix or merge.', { ...plain, ...combining(innermost) });

/** One generator of an ApplicationSet: exactly one kind field is set. */
export const ApplicationSetGenerator = obj(
  'A source of parameter sets: set exactly one of list, clusters, git, matrix, merge, pullRequest or scmProvider.',
  { ...plain, ...combining(nested) },
);
/** One generator of an ApplicationSet. */
export type ApplicationSetGenerator = Static<typeof ApplicationSetGenerator>;
