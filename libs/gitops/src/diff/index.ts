// The diff: tracking, pairing, normalisation, ignoreDifferences, server-side
// and structural comparison, Secret masking, and the app's verdict.
export {
  JqError,
  JqFailure,
  ManagedFieldsError,
  isJqError,
  isManagedFieldsError,
} from './errors.js';
export type { PathSegment } from './pointer.js';
export { JqRunner, defaultJqRunner } from './jq/runner.js';
export { compileJqOptions, type JqOptions, type CompiledJqOptions } from './jq/options.js';
