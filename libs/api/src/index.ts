export {
  API_VERSION,
  APPLICATION,
  APPLICATION_SET,
  APP_PROJECT,
  CATEGORY,
  DEFAULT_NAMESPACE,
  DEFAULT_PROJECT,
  Finalizer,
  GROUP,
  VERSION,
} from './group.js';
export {
  ApplicationConditionType,
  ApplicationSetConditionType,
  ApplicationSetStrategyType,
  ApplicationsSyncPolicy,
  ApplicationSourceType,
  HealthStatusCode,
  HookType,
  OperationPhase,
  ResultCode,
  SyncPhase,
  SyncStatusCode,
  SyncWindowKind,
  isCompleted,
  isSuccessful,
} from './enums.js';
export type * from './types.js';
export { Application as ApplicationSchema } from './schema/application.js';
export { ApplicationStatus as ApplicationStatusSchema } from './schema/application-status.js';
export { AppProject as AppProjectSchema } from './schema/app-project.js';
export { ApplicationSet as ApplicationSetSchema } from './schema/application-set.js';
export { rulesOf, type CrossFieldRule } from './rules.js';
export {
  validateApplication,
  validateAppProject,
  validateApplicationSet,
  formatValidationErrors,
  type ValidationError,
  type ValidationResult,
} from './validate.js';
export {
  APPLICATION_PRINTER_COLUMNS,
  APPLICATION_SET_PRINTER_COLUMNS,
  allCrds,
  applicationSetCrd,
  appProjectCrd,
  applicationCrd,
  crdFileName,
  crdYaml,
  type CustomResourceDefinition,
  type PrinterColumn,
} from './crd/crds.js';
export { toStructural, type JSONSchemaProps } from './crd/structural.js';
export {
  APPLIER_FIELD_MANAGER,
  CRD_FIELD_MANAGER,
  DIFFER_FIELD_MANAGER,
  RESOURCE_FIELD_MANAGER,
} from './field-managers.js';
export {
  allApplicationsPath,
  appProjectPath,
  applicationPath,
  applicationStatusPath,
} from './paths.js';
export { ARGO_TRACKING_ANNOTATION, TRACKING_ANNOTATION, TRACKING_ANNOTATIONS } from './tracking.js';
export {
  APPLIER_STATUS_FIELDS,
  APPLY_PATCH_CONTENT_TYPE,
  DIFFER_STATUS_FIELDS,
  applierStatusPatch,
  differStatusPatch,
  statusApplyRequest,
  type ApplicationRef,
  type ApplierStatus,
  type DifferStatus,
  type StatusApplyPatch,
  type StatusApplyRequest,
} from './ownership.js';
export {
  compileConvertOptions,
  convertArgoManifest,
  isArgoManifest,
  toArgoManifest,
  type CompiledConvertOptions,
  type ConvertOptions,
  type ConvertResult,
  type Manifest,
} from './convert/argo.js';
export { ARGO_API_VERSION, ARGO_NAMESPACE, FINALIZER_MAP } from './convert/argo-names.js';
export { convertArgoYaml, type ConvertedDocument, type ConvertYamlResult } from './convert/yaml.js';
export {
  ManifestParseError,
  StatusPatchError,
  isManifestParseError,
  isStatusPatchError,
} from './errors.js';
export { REFRESH_ANNOTATIONS, REFRESHED_REVISIONS_ANNOTATION } from './annotations.js';
