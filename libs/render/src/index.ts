export { Renderer } from './renderer.js';
export {
  compileRenderOptions,
  type CompiledRenderOptions,
  type RenderLogger,
  type RenderOptions,
} from './options.js';
export type {
  Manifest,
  ManifestSet,
  RenderRequest,
  RenderResult,
  RenderSource,
  SourceType,
} from './types.js';
export { RenderError, RenderErrorCode, isRenderError, type RenderErrorDetails } from './errors.js';
export {
  KUSTOMIZATION_FILES,
  detectFromFiles,
  detectSourceType,
  explicitSourceType,
  isRefOnlySource,
} from './detect.js';
export {
  checkParameterName,
  checkReleaseName,
  escapeSetValue,
  helmTemplateArgs,
  type HelmSetting,
  type HelmTemplatePlan,
} from './helm-args.js';
export { editKustomization, parseImageOverride } from './kustomize-edit.js';
export { compilePathFilter, type PathFilter } from './glob.js';
export { listManifestFiles, readManifestFile, type ManifestFile } from './directory.js';
export { resolveAppDir, type AppDir } from './paths.js';
export {
  canonicalJson,
  canonicalSet,
  canonicalize,
  resourceKeyOf,
  type CanonicalResult,
} from './canonical.js';
export { mergeManifestSets, type MergedManifests, type SourceManifests } from './merge.js';
export { buildEnv, envsubst, type BuildEnv } from './envsubst.js';
export { parseYamlStream, type ParsedDocument, type ParsedStream } from './yaml.js';
export { convertArgoObjects, isKubernetesObject, toManifests } from './objects.js';
export {
  RENDER_FORMAT_VERSION,
  manifestCacheKey,
  memoryManifestCache,
  renderOptionsHash,
  type CacheKeyParts,
  type CachedRender,
  type ManifestCache,
} from './cache.js';
export {
  RedisManifestCache,
  compileRedisCacheOptions,
  type CompiledRedisCacheOptions,
  type RedisCacheOptions,
} from './redis-cache.js';
export { redactMessage } from './sanitize.js';
export { DesiredStore, type DesiredState } from './desired-store.js';
export { AppliedMarks, type MarkedObject } from './applied-marks.js';
export { ClusterReports, type ClusterReport } from './cluster-reports.js';
export {
  ChartClient,
  chartDigestField,
  isOciArtifactSource,
  type ArtifactSpec,
  type ChartClientOptions,
  type ChartStoreGc,
  type ChartSpec,
  type PulledArtifact,
  type PulledChart,
} from './charts/client.js';
export { ChartStore, sha256, type StoreEntry, type StoredChart } from './charts/store.js';
export { pickVersion, isDigest, isExactVersion, isTagConstraint } from './charts/versions.js';
export { unpackChart, unpackTree, type UnpackedChart } from './charts/tarball.js';
export { parseIndex, type IndexEntry } from './charts/index.js';
export {
  chartDependencies,
  planDependencies,
  vendorDependencies,
  type ChartDependency,
  type PlannedDependency,
  type VendoredChart,
} from './charts/dependencies.js';
