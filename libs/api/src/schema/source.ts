import { Type, type Static } from '@sinclair/typebox';
import { has, withRules } from '../rules.js';
import {
  bool,
  boolMap,
  freeform,
  intOrString,
  list,
  obj,
  opt,
  str,
  stringMap,
  strings,
} from './build.js';

// Field names and JSON names follow Argo CD's ApplicationSource
// (argoproj.io/v1alpha1), so an Argo CD manifest needs only a new apiVersion.

/** A `--set name=value` for `helm template`. */
export const HelmParameter = obj('A value passed to helm template as --set (or --set-string).', {
  name: opt(str('Name of the Helm value, in --set syntax (for example image.tag).')),
  value: opt(str('Value to set.')),
  forceString: opt(
    bool('Pass the value as a string (--set-string) even if it looks like a number or boolean.'),
  ),
});

/** A `--set-file name=path` for `helm template`. */
export const HelmFileParameter = obj(
  'A value read from a file and passed to helm template as --set-file.',
  {
    name: opt(str('Name of the Helm value, in --set syntax.')),
    path: opt(str('Path of the file that holds the value, relative to the source path.')),
  },
);

/** Options for rendering a Helm chart. */
export const ApplicationSourceHelm = obj('Options for rendering the source with helm template.', {
  valueFiles: opt(
    strings(
      'Values files passed to helm template, in order; later files win. A path starting with $<ref>/ reads from the source whose ref is <ref>.',
    ),
  ),
  parameters: opt(
    list('Values set with --set; they win over every other kind of value.', HelmParameter),
  ),
  fileParameters: opt(list('Values set with --set-file.', HelmFileParameter)),
  releaseName: opt(str('Helm release name. Defaults to the Application name.')),
  values: opt(str('Values as a YAML block. valuesObject wins when both are set.')),
  valuesObject: opt(
    freeform('Values as an object. Wins over values and valueFiles; parameters win over it.'),
  ),
  ignoreMissingValueFiles: opt(bool('Skip valueFiles that do not exist instead of failing.')),
  skipCrds: opt(bool('Do not render the chart’s crds/ directory (helm --skip-crds).')),
  skipSchemaValidation: opt(
    bool('Do not validate values against values.schema.json (helm --skip-schema-validation).'),
  ),
  skipTests: opt(bool('Do not render test hooks (helm --skip-tests).')),
  kubeVersion: opt(
    str(
      'Kubernetes version the chart sees as .Capabilities.KubeVersion. Defaults to the destination cluster’s version.',
    ),
  ),
  apiVersions: opt(
    strings(
      'API versions the chart sees as .Capabilities.APIVersions, as [group/]version[/kind]. Defaults to the destination cluster’s.',
    ),
  ),
  namespace: opt(
    str(
      'Namespace the chart is rendered for (.Release.Namespace). Defaults to the destination namespace.',
    ),
  ),
  passCredentials: opt(
    bool(
      'Send repository credentials to every domain the chart is fetched from (helm --pass-credentials).',
    ),
  ),
  version: opt(
    str(
      'Helm major version to render with. Only "3" and later are meaningful; kept for Argo CD compatibility.',
    ),
  ),
});
/** Options for rendering a Helm chart. */
export type ApplicationSourceHelm = Static<typeof ApplicationSourceHelm>;

/** Which resources a Kustomize patch applies to. */
export const KustomizeSelector = obj(
  'Selects the resources a patch applies to; every field set must match.',
  {
    group: opt(str('API group of the target.')),
    version: opt(str('API version of the target.')),
    kind: opt(str('Kind of the target.')),
    name: opt(str('Name of the target (a regular expression).')),
    namespace: opt(str('Namespace of the target (a regular expression).')),
    annotationSelector: opt(str('Annotation selector the target must match.')),
    labelSelector: opt(str('Label selector the target must match.')),
  },
);

/** A Kustomize patch, as in a kustomization's `patches:`. */
export const KustomizePatch = obj(
  'A strategic-merge or JSON 6902 patch, as an entry of a kustomization’s patches.',
  {
    path: opt(str('File holding the patch, relative to the source path.')),
    patch: opt(str('The patch itself, inline.')),
    target: opt(KustomizeSelector),
    options: opt(boolMap('Patch options, such as allowNameChange and allowKindChange.')),
  },
);

/** A replica count override. */
export const KustomizeReplica = obj('Overrides the replica count of a Deployment or StatefulSet.', {
  name: str('Name of the Deployment or StatefulSet.'),
  count: intOrString('Number of replicas (an integer, or a string holding one).'),
});

/** Options for rendering a Kustomize overlay. */
export const ApplicationSourceKustomize = obj(
  'Options for rendering the source with kustomize build.',
  {
    namePrefix: opt(str('Prefix added to the name of every resource.')),
    nameSuffix: opt(str('Suffix added to the name of every resource.')),
    images: opt(
      strings('Image overrides, as kustomize edit set image takes them: [old=]new[:tag|@digest].'),
    ),
    commonLabels: opt(
      stringMap('Labels added to every resource (and, unless labelWithoutSelector, to selectors).'),
    ),
    commonAnnotations: opt(stringMap('Annotations added to every resource.')),
    commonAnnotationsEnvsubst: opt(
      bool('Substitute ${VAR} references to the build environment in commonAnnotations values.'),
    ),
    forceCommonLabels: opt(bool('Overwrite labels a resource already has with commonLabels.')),
    forceCommonAnnotations: opt(
      bool('Overwrite annotations a resource already has with commonAnnotations.'),
    ),
    namespace: opt(str('Namespace set on every namespaced resource.')),
    replicas: opt(list('Replica count overrides.', KustomizeReplica)),
    patches: opt(list('Patches added to the kustomization.', KustomizePatch)),
    components: opt(
      strings('Kustomize components added to the kustomization, relative to the source path.'),
    ),
    ignoreMissingComponents: opt(bool('Skip components that do not exist instead of failing.')),
    labelWithoutSelector: opt(
      bool('Add commonLabels to resources only, not to selectors and templates.'),
    ),
    version: opt(
      str(
        'Named kustomize version to build with. Flotilla uses its bundled kustomize; kept for Argo CD compatibility.',
      ),
    ),
  },
);
/** Options for rendering a Kustomize overlay. */
export type ApplicationSourceKustomize = Static<typeof ApplicationSourceKustomize>;

/** Options for a directory of plain manifests. */
export const ApplicationSourceDirectory = obj(
  'Options for a directory of plain YAML or JSON manifests.',
  {
    recurse: opt(bool('Read manifests from subdirectories too.')),
    include: opt(
      str('Glob of the files to read, for example "{app.yaml,db/*.yaml}". Everything by default.'),
    ),
    exclude: opt(str('Glob of the files to skip; wins over include.')),
  },
);
/** Options for a directory of plain manifests. */
export type ApplicationSourceDirectory = Static<typeof ApplicationSourceDirectory>;

const sourceFields = {
  repoURL: str(
    'URL of the Git repository or Helm chart repository (https://, oci:// or a Git SSH URL).',
  ),
  path: opt(
    str('Directory inside the Git repository that holds the manifests, chart or kustomization.'),
  ),
  targetRevision: opt(
    str(
      'What to deploy: a Git branch, tag or commit (HEAD when empty), or a Helm chart version or semver range.',
    ),
  ),
  chart: opt(str('Helm chart name, for a source that is a Helm chart repository rather than Git.')),
  ref: opt(
    str(
      'Name other sources use to read files from this one ($<ref>/path in helm.valueFiles). Only meaningful in sources.',
    ),
  ),
  name: opt(str('Display name of the source in multi-source Applications.')),
  helm: opt(ApplicationSourceHelm),
  kustomize: opt(ApplicationSourceKustomize),
  directory: opt(ApplicationSourceDirectory),
};

/** Where manifests come from, as stored (no cross-field rules; used in status). */
export const ApplicationSource = obj(
  'Where the manifests come from: a Git directory (plain manifests, Kustomize or a Helm chart) or a Helm chart repository.',
  sourceFields,
);
/** Where an Application's manifests come from. */
export type ApplicationSource = Static<typeof ApplicationSource>;

/** {@link ApplicationSource} with the rules users' input must meet. */
export const ApplicationSourceInput = withRules(ApplicationSource, [
  {
    rule: '(has(self.helm) ? 1 : 0) + (has(self.kustomize) ? 1 : 0) + (has(self.directory) ? 1 : 0) <= 1',
    message: 'a source may set only one of helm, kustomize or directory',
    holds: (s) =>
      [has(s, 'helm'), has(s, 'kustomize'), has(s, 'directory')].filter(Boolean).length <= 1,
  },
]);

/** A list of sources, as in `spec.sources`. */
export const sourcesOf = (description: string) =>
  Type.Array(ApplicationSourceInput, { description });
