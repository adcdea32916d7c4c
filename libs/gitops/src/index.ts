// Pure GitOps logic: reading resources, health assessment, diff, and sync
// planning. No I/O here beyond sandboxed script engines; adapters and
// services call into it.
export * from './resource/index.js';
export * from './health/index.js';
export * from './sync/index.js';
export * from './diff/index.js';
export * from './project/index.js';
export * from './status/index.js';
