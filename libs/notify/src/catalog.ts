// The built-in triggers and templates: Argo CD's catalog names and
// conditions, so subscriptions written for Argo CD work unchanged without
// installing the catalog, plus Flotilla's on-drift and on-hook-failed. A
// ConfigMap entry of the same name replaces a built-in one.

/** One condition of a trigger, as written in the ConfigMap. */
export interface TriggerCondition {
  readonly when: string;
  readonly send: readonly string[];
  readonly oncePer?: string;
  readonly description?: string;
}

const OP = 'app.status.operationState';

/** Built-in triggers, by name. */
export const CATALOG_TRIGGERS: Readonly<Record<string, readonly TriggerCondition[]>> = {
  'on-created': [
    {
      when: 'true',
      send: ['app-created'],
      oncePer: 'app.metadata.name',
      description: 'Application is created.',
    },
  ],
  'on-deleted': [
    {
      when: 'app.metadata.deletionTimestamp != nil',
      send: ['app-deleted'],
      oncePer: 'app.metadata.name',
      description: 'Application is deleted.',
    },
  ],
  'on-deployed': [
    {
      when: `${OP} != nil and ${OP}.phase in ['Succeeded'] and app.status.health.status == 'Healthy' and !time.Parse(app.status.health.lastTransitionTime).Before(time.Parse(${OP}.finishedAt))`,
      send: ['app-deployed'],
      oncePer: `${OP}?.syncResult?.revision`,
      description: 'Application is synced and healthy. Triggered once per commit.',
    },
  ],
  'on-health-degraded': [
    {
      when: "app.status.health.status == 'Degraded'",
      send: ['app-health-degraded'],
      description: 'Application has degraded.',
    },
  ],
  'on-sync-failed': [
    {
      when: `${OP}.phase in ['Error', 'Failed']`,
      send: ['app-sync-failed'],
      description: 'Application syncing has failed.',
    },
  ],
  'on-sync-running': [
    {
      when: `${OP}.phase in ['Running']`,
      send: ['app-sync-running'],
      description: 'Application is being synced.',
    },
  ],
  'on-sync-status-unknown': [
    {
      when: "app.status.sync.status == 'Unknown'",
      send: ['app-sync-status-unknown'],
      description: "Application status is 'Unknown'.",
    },
  ],
  'on-sync-succeeded': [
    {
      when: `${OP}.phase in ['Succeeded']`,
      send: ['app-sync-succeeded'],
      description: 'Application syncing has succeeded.',
    },
  ],
  'on-drift': [
    {
      when: "event.type == 'dev.flotilla.app.drift-detected.v1'",
      send: ['app-drifted'],
      oncePer: 'event.id',
      description: 'Live state moved away from Git (Flotilla); names the drifted fields.',
    },
  ],
  'on-hook-failed': [
    {
      when: "event.type == 'dev.flotilla.hook.failed.v1'",
      send: ['app-hook-failed'],
      oncePer: 'event.id',
      description: "A sync hook failed or timed out (Flotilla); carries the hook's log tail.",
    },
  ],
};

/** A template as written in the ConfigMap: common `message` plus per-service parts. */
export interface TemplateSpec {
  readonly message?: string;
  readonly email?: { readonly subject?: string; readonly body?: string };
  readonly slack?: Readonly<Record<string, unknown>>;
  readonly teams?: Readonly<Record<string, unknown>>;
  readonly webhook?: Readonly<Record<string, { method?: string; path?: string; body?: string }>>;
  readonly github?: {
    readonly repoURLPath?: string;
    readonly revisionPath?: string;
    readonly status?: { state?: string; label?: string; targetURL?: string };
    readonly deployment?: {
      state?: string;
      environment?: string;
      environmentURL?: string;
      logURL?: string;
      description?: string;
    };
  };
}

const NAME = '{{.app.metadata.name}}';
const URL =
  '{{.context.flotillaUrl}}/applications/{{.app.metadata.namespace}}/{{.app.metadata.name}}';

function simple(
  summary: string,
  details: string,
  github?: { state: string; deployment?: string },
): TemplateSpec {
  return {
    message: `${summary}\n${details}`,
    email: { subject: summary },
    slack: { text: `${summary}\n${details}` },
    teams: { title: summary, text: details },
    ...(github
      ? {
          github: {
            status: { state: github.state, label: `flotilla/${NAME}`, targetURL: URL },
            ...(github.deployment
              ? {
                  deployment: {
                    state: github.deployment,
                    environment: '{{.app.spec.destination.namespace}}',
                    logURL: URL,
                  },
                }
              : {}),
          },
        }
      : {}),
  };
}

const STATUS =
  'Sync status: {{.app.status.sync.status}}, health: {{.app.status.health.status}}. Details: ' +
  URL;

/** Built-in templates, by name. */
export const CATALOG_TEMPLATES: Readonly<Record<string, TemplateSpec>> = {
  'app-created': simple(`Application ${NAME} has been created.`, URL),
  'app-deleted': simple(`Application ${NAME} has been deleted.`, URL),
  'app-deployed': simple(
    `Application ${NAME} is now running new version of deployments manifests.`,
    `Revision {{.app.status.operationState.syncResult.revision}} is synced and healthy. ${URL}`,
    { state: 'success', deployment: 'success' },
  ),
  'app-health-degraded': simple(
    `Application ${NAME} has degraded.`,
    '{{.app.status.health.message}} ' + STATUS,
    {
      state: 'failure',
    },
  ),
  'app-sync-failed': simple(
    `The sync operation of application ${NAME} has failed.`,
    'Error: {{.app.status.operationState.message}}. ' + STATUS,
    { state: 'failure', deployment: 'failure' },
  ),
  'app-sync-running': simple(`The sync operation of application ${NAME} has started.`, STATUS, {
    state: 'pending',
    deployment: 'in_progress',
  }),
  'app-sync-status-unknown': simple(`Application ${NAME} sync status is 'Unknown'.`, STATUS, {
    state: 'error',
  }),
  'app-sync-succeeded': simple(
    `Application ${NAME} has been successfully synced.`,
    'Synced at {{.app.status.operationState.finishedAt}}. ' + STATUS,
    { state: 'success' },
  ),
  'app-drifted': simple(
    `Application ${NAME} has drifted from Git.`,
    '{{range .event.data.resources}}{{.resource.kind}} {{.resource.namespace}}/{{.resource.name}}: {{join ", " .fields}}\n{{end}}' +
      URL,
  ),
  'app-hook-failed': simple(
    `A {{.event.data.hookType}} hook of application ${NAME} failed.`,
    '{{.event.data.hook.kind}} {{.event.data.hook.namespace}}/{{.event.data.hook.name}}: {{.event.data.message}}\n{{with .event.data.logTail}}Log tail:\n{{.}}\n{{end}}' +
      URL,
    { state: 'failure' },
  ),
};

/** Triggers Argo CD's catalog subscribes to with `subscribe.<service>` (no trigger named). */
export const DEFAULT_TRIGGERS: readonly string[] = [];
