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
  GOTEMPLATE_BINARY,
  goTemplateVersion,
  provisionGoTemplate,
  type GoTemplateBuildOptions,
} from './gotemplate.js';
export { buildGoModule, type GoModuleBuild } from './go-build.js';
