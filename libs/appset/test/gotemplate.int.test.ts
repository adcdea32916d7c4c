import { userCacheDir } from '@flotilla/runtime';
import { provisionGoTemplate } from '@flotilla/toolchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoTemplateClient, Templates, type Dialect } from '../src/index.js';

// The real helper: Go's text/template and Sprig, built once into the tool cache.
let client: GoTemplateClient;
let engine: Templates;
const go = (goTemplateOptions: string[] = []): Dialect => ({ goTemplate: true, goTemplateOptions });

beforeAll(async () => {
  const binary = await provisionGoTemplate({
    cacheDir: userCacheDir(process.env),
    log: (m) => process.stderr.write(`${m}\n`),
  });
  client = new GoTemplateClient(binary);
  engine = new Templates(client);
}, 900_000);
afterAll(() => client?.close());

async function one(template: unknown, params: Record<string, unknown>, options: string[] = []) {
  const [r] = await engine.render(template, [params], go(options));
  return r;
}

describe('goTemplate: true, rendered by Go’s text/template and Sprig', () => {
  it('renders fields, pipelines and Sprig functions', async () => {
    const r = await one(
      {
        name: '{{ .cluster.name | lower }}-{{ .path.basename }}',
        ns: '{{ default "fallback" .missing }}',
        tag: '{{ .sha | trunc 7 }}',
        n: '{{ add .replicas 1 }}',
        kept: 42,
      },
      {
        cluster: { name: 'PROD' },
        path: { basename: 'guestbook' },
        sha: 'abcdef0123456',
        replicas: 2,
      },
    );
    expect(r).toEqual({
      ok: true,
      value: { name: 'prod-guestbook', ns: 'fallback', tag: 'abcdef0', n: '3', kept: 42 },
    });
  });

  it('prints <no value> for a missing key by default and fails with missingkey=error', async () => {
    expect(await one('{{ .nope }}', { a: 1 })).toEqual({ ok: true, value: '<no value>' });
    const strict = await one('{{ .nope }}', { a: 1 }, ['missingkey=error']);
    expect(strict?.ok).toBe(false);
    expect(strict?.ok === false && strict.error).toMatch(/map has no entry for key "nope"/);
  });

  it('has Argo CD’s extra functions and none that read the environment', async () => {
    const r = await one(
      {
        n: '{{ normalize .x }}',
        s: '{{ slugify .x }}',
        y: '{{ toYaml .m }}',
        f: '{{ (fromYaml .doc).k }}',
      },
      { x: 'My_App Name!', m: { a: 1 }, doc: 'k: v' },
    );
    expect(r).toEqual({
      ok: true,
      value: { n: 'my-app-name', s: 'my-app-name', y: 'a: 1', f: 'v' },
    });
    const env = await one('{{ env "HOME" }}', {});
    expect(env?.ok === false && env.error).toMatch(/function "env" not defined/);
  });

  it('renders object keys and one result per parameter set, errors per set', async () => {
    const results = await engine.render(
      { '{{ .k }}': '{{ .v }}' },
      [{ k: 'a', v: '1' }, { k: 'b' }],
      go(['missingkey=error']),
    );
    expect(results[0]).toEqual({ ok: true, value: { a: '1' } });
    expect(results[1]?.ok).toBe(false);
  });

  it('reports a template that does not parse, and keeps serving', async () => {
    const bad = await one('{{ .a ', { a: 1 });
    expect(bad?.ok === false && bad.error).toMatch(/failed to parse template/);
    expect(await one('{{ .a }}', { a: 'ok' })).toEqual({ ok: true, value: 'ok' });
  });

  it('turns a bad option into an error rather than a crash', async () => {
    await expect(engine.render('x', [{ a: 1 }], go(['missingkey=bogus']))).rejects.toThrow(
      /missingkey/,
    );
    expect(await one('{{ .a }}', { a: 'still' })).toEqual({ ok: true, value: 'still' });
  });
});
