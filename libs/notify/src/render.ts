// Renders the templates a trigger sends into one notification for one
// service: every string of every template is a Go template over the
// notification's data; later templates override earlier ones.
import type { TemplateSpec } from './catalog.js';
import type { NotifyConfig, ServiceType } from './config.js';
import { TemplateError } from './errors.js';
import { compileTemplate, type Template } from './template.js';

/** What one delivery sends, already rendered (no secrets: services add those when sending). */
export interface Rendered {
  readonly message: string;
  readonly email?: { readonly subject?: string; readonly body?: string };
  readonly slack?: Readonly<Record<string, unknown>>;
  readonly teams?: Readonly<Record<string, unknown>>;
  readonly webhook?: { readonly method?: string; readonly path?: string; readonly body?: string };
  readonly github?: NonNullable<TemplateSpec['github']>;
}

/** Where GitHub notifications find the repository and commit unless a template says (Argo CD's defaults, multi-source aware). */
const REPO_URL =
  '{{with .app.spec.source}}{{.repoURL}}{{else}}{{range $i, $s := .app.spec.sources}}{{if eq $i 0}}{{$s.repoURL}}{{end}}{{end}}{{end}}';
const REVISION =
  '{{with .app.status.operationState.syncResult.revision}}{{.}}{{else}}{{.app.status.sync.revision}}{{end}}';

const compiled = new Map<string, Template>();
function render(src: string, data: unknown): string {
  let t = compiled.get(src);
  if (!t) {
    t = compileTemplate(src);
    compiled.set(src, t);
  }
  return t(data);
}

function renderDeep(v: unknown, data: unknown): unknown {
  if (typeof v === 'string') return render(v, data);
  if (Array.isArray(v)) return v.map((x) => renderDeep(x, data));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, renderDeep(x, data)]));
  return v;
}

/** Slack and Teams fields Argo CD templates write as JSON text. */
const JSON_FIELDS = new Set(['attachments', 'blocks', 'facts', 'sections', 'potentialAction']);
function parseJsonFields(part: Record<string, unknown>, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(part)) {
    if (JSON_FIELDS.has(k) && typeof v === 'string') {
      try {
        out[k] = v.trim() === '' ? undefined : JSON.parse(v);
      } catch (err) {
        throw new TemplateError(
          `${where}.${k} is not JSON after rendering: ${(err as Error).message}`,
        );
      }
    } else out[k] = v;
  }
  return out;
}

/** Renders `templates` for a service of `serviceType` named `serviceName`. */
export function renderNotification(
  config: NotifyConfig,
  templates: readonly string[],
  service: { readonly type: ServiceType; readonly name: string },
  data: Readonly<Record<string, unknown>>,
): Rendered {
  const env = { ...data, serviceType: service.type };
  let out: Rendered = { message: '' };
  for (const name of templates) {
    const spec = config.templates.get(name);
    if (!spec) throw new TemplateError(`template ${JSON.stringify(name)} is not defined`);
    try {
      const message = spec.message !== undefined ? render(spec.message, env) : out.message;
      const part = (v: unknown) => renderDeep(v, env) as Record<string, unknown>;
      out = {
        ...out,
        message,
        ...(spec.email ? { email: { ...out.email, ...part(spec.email) } } : {}),
        ...(spec.slack
          ? { slack: { ...out.slack, ...parseJsonFields(part(spec.slack), `${name}.slack`) } }
          : {}),
        ...(spec.teams
          ? { teams: { ...out.teams, ...parseJsonFields(part(spec.teams), `${name}.teams`) } }
          : {}),
        ...(spec.webhook?.[service.name] ? { webhook: part(spec.webhook[service.name]) } : {}),
        ...(spec.github
          ? { github: part({ repoURLPath: REPO_URL, revisionPath: REVISION, ...spec.github }) }
          : {}),
      };
    } catch (err) {
      if (err instanceof TemplateError && err.message.startsWith(`${name}`)) throw err;
      throw new TemplateError(`template ${name}: ${(err as Error).message}`, { cause: err });
    }
  }
  return out;
}
