export { VERSIONS } from './versions.js';
export { ToolNotFoundError, ProvisionError } from './errors.js';
export {
  resolveTool,
  provisionTools,
  toolsDir,
  type ToolName,
  type ToolchainOptions,
} from './tools.js';
export { goModulesDir, type GoBuildOptions } from './go-build.js';
export { provisionRegistry, registryBinary } from './registry.js';
export { provisionPromtool } from './promtool.js';
export { provisionOtelcol } from './otelcol.js';
export {
  provisionControlPlane,
  controlPlaneBinaries,
  type ControlPlaneBinary,
  type ControlPlaneBinaries,
  type ControlPlaneBuildOptions,
} from './controlplane.js';
export {
  GOTEMPLATE_BINARY,
  goTemplateVersion,
  provisionGoTemplate,
  type GoTemplateBuildOptions,
} from './gotemplate.js';
export {
  buildImage,
  unpackImage,
  type ImageBuildOptions,
  type ImageBuildResult,
} from './image/build.js';
export { pushImage, type ImagePushOptions, type ImagePushResult } from './image/push.js';
export { IMAGE, imagePackages, USERADD } from './image/spec.js';
export { IgnoreRules } from './image/ignore.js';
