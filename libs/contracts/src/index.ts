export {
  AppRef,
  ResourceKey,
  appKey,
  automatedSyncCommandId,
  operationCommandId,
  operationIdOf,
  resourceKeyString,
} from './app-ref.js';
export {
  Streams,
  WorkKind,
  WORK_KINDS,
  SubjectRoots,
  workSubject,
  workFilter,
  eventSubject,
  deadLetterSubject,
} from './subjects.js';
export {
  RenderCommand,
  DiffCommand,
  SyncCommand,
  HookCommand,
  AppSetCommand,
  SyncTrigger,
  CommandSchemas,
  type CommandOf,
  type Command,
} from './commands.js';
export {
  EventCatalog,
  EVENT_NAMES,
  eventType,
  cloudEventSchema,
  type EventName,
  type EventData,
  type FlotillaEvent,
} from './events.js';
export {
  DEAD_LETTER_TYPE,
  DeadLetterReason,
  DeadLetterData,
  DeadLetterEvent,
} from './dead-letter.js';
export {
  encode,
  decodeCommand,
  decodeEvent,
  decodeAnyEvent,
  createEvent,
  subjectOfEvent,
  eventEnvelopeSchema,
  type Decoded,
  type EventOptions,
} from './codec.js';
export { renderEventsDoc, publishedSchemas } from './docs.js';
export { SCM_CHANGED_SUBJECT, ScmChanged, decodeScmChanged } from './scm.js';
