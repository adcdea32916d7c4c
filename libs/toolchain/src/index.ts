export { VERSIONS } from './versions.js';
export { ToolNotFoundError, ProvisionError } from './errors.js';
export {
  resolveTool,
  provisionTools,
  toolsDir,
  type ToolName,
  type ToolchainOptions,
} from './tools.js';
export {
  provisionControlPlane,
  controlPlaneBinaries,
  goModulesDir,
  type ControlPlaneBinary,
  type ControlPlaneBinaries,
  type ControlPlaneBuildOptions,
} from './controlplane.js';
export {
  buildImage,
  unpackImage,
  type ImageBuildOptions,
  type ImageBuildResult,
} from './image/build.js';
export { IMAGE, imagePackages, USERADD } from './image/spec.js';
export { IgnoreRules } from './image/ignore.js';
