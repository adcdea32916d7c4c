import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { TemplateHelperError } from './errors.js';
import type { Params } from './params.js';

/** What rendering a template with one parameter set gave. */
export type RenderResult = { ok: true; value: unknown } | { ok: false; error: string };

type Pending = {
  resolve: (r: RenderResult[]) => void;
  reject: (e: Error) => void;
};

type Response = {
  id: number;
  results?: { value?: unknown; error?: string }[];
  error?: string;
};

/**
 * Talks to the `flotilla-gotemplate` helper: Go's own text/template with
 * Sprig, as Argo CD renders `goTemplate: true`. One long-lived process
 * serves every request, one JSON line each way; a helper that dies is
 * started again on the next request.
 */
export class GoTemplateClient {
  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderr = '';

  constructor(private readonly binary: string) {}

  /** Renders every string and key of `template` once per parameter set. */
  async render(
    template: unknown,
    params: readonly Params[],
    options: readonly string[],
  ): Promise<RenderResult[]> {
    if (params.length === 0) return [];
    const child = this.start();
    const id = this.nextId++;
    const done = new Promise<RenderResult[]>((resolve, reject) =>
      this.pending.set(id, { resolve, reject }),
    );
    child.stdin.write(`${JSON.stringify({ id, template, params, options })}\n`);
    return done;
  }

  private start(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn(this.binary, [], { stdio: ['pipe', 'pipe', 'pipe'], env: {} });
    this.child = child;
    this.stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-4_000);
    });
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => this.onLine(line));
    const fail = (why: string) => {
      if (this.child !== child) return;
      this.child = undefined;
      const err = new TemplateHelperError(
        `Go template helper ${why}${this.stderr ? `: ${this.stderr.trim()}` : ''}`,
      );
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    child.on('error', (e) => fail(`could not run (${e.message})`));
    child.on('exit', (code, signal) => fail(`exited (${signal ?? code})`));
    child.stdin.on('error', () => undefined);
    return child;
  }

  private onLine(line: string): void {
    let res: Response;
    try {
      res = JSON.parse(line) as Response;
    } catch {
      return;
    }
    const p = this.pending.get(res.id);
    if (!p) return;
    this.pending.delete(res.id);
    if (res.error !== undefined) {
      p.reject(new TemplateHelperError(res.error));
      return;
    }
    p.resolve(
      (res.results ?? []).map((r) =>
        r.error !== undefined ? { ok: false, error: r.error } : { ok: true, value: r.value ?? '' },
      ),
    );
  }

  /** Stops the helper process. */
  close(): void {
    const child = this.child;
    this.child = undefined;
    child?.stdin.end();
    child?.kill();
  }
}
