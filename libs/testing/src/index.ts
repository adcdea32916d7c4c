export { startEnv, type TestEnv, type EnvOptions, type GitTestContext } from './env.js';
export {
  startNatsServer,
  startRedisServer,
  type NatsServerOptions,
  type NatsTestServer,
  type RedisServerOptions,
  type TestServer,
} from './servers.js';
export { startGitHttpServer, type GitHttpServer, type BasicAuth } from './git-server.js';
export {
  startFakeScm,
  type FakeGithubApp,
  type FakePull,
  type FakeScmOptions,
  type FakeScmServer,
  type ScmAuth,
  type ScmFailure,
} from './scm-server.js';
export type { FakeRepo } from './scm-repos.js';
export { createGitFixtureRepo, type GitFixtureRepo, type FileChanges } from './git-repo.js';
export { kubeContext, type KubeTestContext } from './kube.js';
export { testKubeconfig } from './kubeconfig.js';
export { waitFor } from '@flotilla/runtime';
export { streamMessages, type StoredMessage } from './stream.js';
export { compatDir } from './compat.js';
export { roleConfig, startRoles, type RunningRoles } from './role-config.js';
export { serviceEnv, startServiceProcess, type ServiceProcess } from './process.js';
export { createTestCa, type TestCa, type TlsPair } from './tls.js';
export {
  startTestRegistry,
  addRegistryAccess,
  testHelm,
  type TestRegistry,
  type PushedChart,
  type RegistryOptions,
} from './registry.js';
export {
  tarGz,
  OCI_TAR_GZIP,
  type ArtifactEntry,
  type IndexedManifest,
  type PushedArtifact,
} from './oci-artifact.js';
export { startHelmRepo, type TestHelmRepo, type HelmRepoOptions } from './helm-repo.js';
export { writeChart, type ChartFixture } from './charts.js';
export {
  startHttpReceiver,
  startSmtpReceiver,
  startSlackApiReceiver,
  type HttpReceiver,
  type Accepted,
  type Mail,
  type SlackApiReceiver,
  type SlackPost,
} from './receivers.js';
export {
  parseExportedSpans,
  startTestCollector,
  type ExportedSpan,
  type TestCollector,
} from './otel-collector.js';
export { runOperation } from './operations.js';
