export { GitError, GitErrorCode, isGitError } from './errors.js';
export {
  stripCredentials,
  redact,
  normalizeRepoUrl,
  checkRepoUrl,
  checkRevision,
  type UrlPolicy,
} from './url.js';
export {
  credentialFromSecret,
  matchCredential,
  matchChartCredential,
  SECRET_TYPE_LABELS,
  type RepoCredential,
  type SecretLike,
} from './credentials.js';
export { resolveRevision, parseLsRemote, isCommitSha, type RemoteRefs } from './revision.js';
export { GitClient, type GitOptions, type GitStats } from './client.js';
export { TreeStore, type TreeLease, type TreeGcReport } from './trees.js';
export {
  groupByRepo,
  groupByChartListing,
  chartListingKey,
  listingKeys,
  appsForChartPush,
  artifactTag,
  isOciArtifact,
  resolveApp,
  needsRender,
  pushTouchesApp,
  appsForPush,
  specHash,
  type PolledApp,
  type PolledSource,
  type ResolvedState,
  type ChartWatch,
  type ChartVersions,
} from './poller/plan.js';
export {
  redisResolvedStore,
  memoryResolvedStore,
  directRefs,
  sharedRefs,
  directChartVersions,
  sharedChartVersions,
  type ChartVersionsProvider,
  type ResolvedStore,
  type RefsProvider,
} from './poller/store.js';
export {
  Poller,
  type RenderDecision,
  type RoundOptions,
  type RoundReport,
} from './poller/poller.js';
export {
  Provider,
  detectProvider,
  verifyWebhook,
  safeEqual,
  type WebhookSecrets,
} from './webhook/verify.js';
export {
  parsePullRequest,
  parsePush,
  type PullRequestEvent,
  type PushEvent,
} from './webhook/parse.js';
export {
  createWebhookHandler,
  createRegistryWebhookHandler,
  type WebhookOptions,
  type RegistryWebhookOptions,
} from './webhook/handler.js';
export { parseRegistryPush, type RegistryPush } from './webhook/registry.js';
