export {
  AppSetError,
  AppSetErrorReason,
  ScmError,
  ScmErrorKind,
  TemplateHelperError,
  isAppSetError,
  isScmError,
} from './errors.js';
export { fastRender, fastReplace, UnclosedTagError } from './fasttemplate.js';
export { GoTemplateClient, type RenderResult } from './gotemplate.js';
export { Templates, renderString, type Dialect, type TemplateEngine } from './templates.js';
export { flatten, goString, sanitizeName, type Params } from './params.js';
export { checkSelector, matchesSelector, SelectorError } from './selector.js';
export {
  IN_CLUSTER_NAME,
  IN_CLUSTER_SERVER,
  type ClusterInfo,
  type GeneratorContext,
  type GitTreeView,
} from './generators/context.js';
export { listParams } from './generators/list.js';
export { pullRequestsFromRefs } from './generators/pull-request.js';
export {
  DEFAULT_PULL_REQUEST_REQUEUE_SECONDS,
  PULL_REQUEST_APIS,
  compilePullRequestFilters,
  pullRequestParams,
  pullRequestsFromApi,
} from './generators/pull-request-api.js';
export { DEFAULT_SCM_TIMEOUT_MS } from './generators/scm-inputs.js';
export {
  DEFAULT_SCM_PROVIDER_REQUEUE_SECONDS,
  SCM_PROVIDERS,
  scmProviderParams,
} from './generators/scm-provider.js';
export { branchSlug } from './slug.js';
export type { PullRequest } from './scm/types.js';
export {
  DEFAULT_RATE_LIMIT_WAIT_SECONDS,
  MAX_RATE_LIMIT_WAIT_SECONDS,
  ScmRateLimits,
  rateLimitWait,
} from './scm/rate-limits.js';
export { clusterParams } from './generators/clusters.js';
export {
  PathEscapeError,
  checkRepoPath,
  filterDirectories,
  filterFiles,
  gitDirectoryParams,
  gitFileParams,
  parseGitFile,
} from './generators/git.js';
export {
  combineStringMaps,
  mergeKeyOf,
  mergeOverride,
  mergeParamSets,
} from './generators/combine.js';
export {
  DEFAULT_GIT_REQUEUE_SECONDS,
  SUPPORTED,
  TooManyParamsError,
  generate,
  generatorRepos,
  requeueAfterSeconds,
  runGenerator,
  type GeneratorOutput,
} from './generators/generate.js';
export { mergePatch, mergeTemplates, renderApplications, type Rendered } from './render.js';
export {
  PRESERVED_ANNOTATIONS,
  controllerOf,
  isOwnedBy,
  ownerReference,
  planAppSet,
  rawMeta,
  updated,
  type AppSetPlan,
} from './plan.js';
export {
  ROLLING_SYNC_INITIATOR,
  ROLLOUT_CONDITION,
  RolloutState,
  isRollingSync,
  maxUpdateOf,
  planRollout,
  rolloutApp,
  stepOf,
  withoutAutomatedSync,
  type AppRolloutStatus,
  type RolloutApp,
  type RolloutPlan,
} from './rolling.js';
export { jqIgnoredPaths, pointerOf, type JqIgnored } from './ignore.js';
