export { createLogger, REDACTED_PATHS, type Logger, type LoggerSettings } from './logger.js';
export {
  installShutdown,
  type Shutdown,
  type ShutdownHook,
  type ShutdownOptions,
} from './shutdown.js';
export { run, processAlive, type RunOptions, type RunResult } from './exec.js';
export { CommandError, isCommandError } from './errors.js';
export { freePort, isListening, waitFor } from './net.js';
export { userCacheDir } from './paths.js';
export { runRoles, type Role, type RoleContext, type RoleHandle, type WorkCounts } from './role.js';
export {
  compileRuntimeConfig,
  ConfigError,
  parseApplicationNamespaces,
  type RuntimeConfig,
} from './config.js';
export {
  redisClientOptions,
  redisProblem,
  connectionSecurityFromEnv,
  type NatsSecurity,
  type RedisSecurity,
} from './connections.js';
export { startOpsServer, type OpsServer, type OpsServerOptions } from './ops.js';
export { metrics, registerQueueDepth, type QueueDepthProbe } from './metrics.js';
export {
  appMetrics,
  registerAppSource,
  registerClusterProbe,
  failureReason,
  requestShape,
  type AppMetricRow,
  type ClusterProbe,
} from './app-metrics.js';
export {
  activeSpan,
  activeTraceparent,
  failSpan,
  inSpan,
  parseTraceparent,
  runInSpan,
  startChildSpan,
  SpanAttr,
  startTracing,
  tracingSettings,
  TracingConfigError,
  type Span,
  type SpanOptions,
  type Tracing,
  type TracingLoader,
  type TracingSettings,
} from './tracing.js';
