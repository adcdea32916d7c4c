import { TemplateHelperError } from './errors.js';
import { fastRender } from './fasttemplate.js';
import type { GoTemplateClient, RenderResult } from './gotemplate.js';
import type { Params } from './params.js';

/** Which template dialect a set uses, and its Go template options. */
export interface Dialect {
  readonly goTemplate: boolean;
  readonly goTemplateOptions: readonly string[];
}

/** Renders JSON trees with either of Argo CD's template dialects. */
export interface TemplateEngine {
  /** Renders `template` once per parameter set; an empty set renders nothing. */
  render(template: unknown, params: readonly Params[], dialect: Dialect): Promise<RenderResult[]>;
}

/**
 * The engine the controller uses: `{{param}}` substitution in-process, Go
 * templates through the helper binary (when there is none, a Go template
 * is an error, never a guess).
 */
export class Templates implements TemplateEngine {
  constructor(private readonly go?: GoTemplateClient) {}

  async render(
    template: unknown,
    params: readonly Params[],
    dialect: Dialect,
  ): Promise<RenderResult[]> {
    if (!dialect.goTemplate) {
      return params.map((p) => {
        try {
          return { ok: true, value: fastRender(template, p) };
        } catch (e) {
          return { ok: false, error: (e as Error).message };
        }
      });
    }
    if (!this.go)
      throw new TemplateHelperError(
        'goTemplate needs the Go template helper, which is not configured',
      );
    return this.go.render(template, params, dialect.goTemplateOptions);
  }
}

/** Renders one string with one parameter set, throwing the template's error. */
export async function renderString(
  engine: TemplateEngine,
  text: string,
  params: Params,
  dialect: Dialect,
): Promise<string> {
  const [r] = await engine.render(text, [params], dialect);
  if (!r) return text;
  if (!r.ok) throw new Error(r.error);
  return String(r.value);
}
