import { GoTemplateClient, Templates, type Dialect, type TemplateEngine } from '@flotilla/appset';
import type { Params } from '@flotilla/appset';

/**
 * The template engine of the role: `{{param}}` in-process, and the Go helper
 * started on the first `goTemplate: true` set (and built into the tool cache
 * then, if no path was given), so a cluster without such sets never needs Go.
 */
export class LazyTemplates implements TemplateEngine {
  private readonly fast = new Templates();
  private go: Promise<Templates> | undefined;
  private client: GoTemplateClient | undefined;

  constructor(private readonly binary: () => Promise<string>) {}

  render(template: unknown, params: readonly Params[], dialect: Dialect) {
    if (!dialect.goTemplate) return this.fast.render(template, params, dialect);
    this.go ??= this.binary().then((path) => {
      this.client = new GoTemplateClient(path);
      return new Templates(this.client);
    });
    // A failed build is tried again on the next set rather than remembered.
    this.go.catch(() => {
      this.go = undefined;
    });
    return this.go.then((t) => t.render(template, params, dialect));
  }

  close(): void {
    this.client?.close();
  }
}
