import { readFile, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isRenderError, Renderer, type RenderError, type RenderRequest } from '../src/index.js';
import { configMap, tempDir, writeTree } from './helpers.js';
import { realTools } from './tools.js';

let tools: { helmPath: string; kubectlPath: string };
let renderer: Renderer;

beforeAll(async () => {
  tools = await realTools();
  renderer = new Renderer(tools);
});

const CHART = {
  'chart/Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 0.1.0\n',
  'chart/values.yaml': 'note: hello\n',
  'chart/templates/cm.yaml': [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: values',
    'data:',
    '{{- range $k, $v := .Values }}',
    '  {{ $k }}: {{ $v | toString | quote }}',
    '{{- end }}',
    '',
  ].join('\n'),
};

const request = (
  repoDir: string,
  source: Partial<RenderRequest['source']>,
  extra: Partial<RenderRequest> = {},
): RenderRequest => ({
  appName: 'demo',
  namespace: 'demo',
  repoDir,
  revision: 'r1',
  source: { repoURL: 'https://git.example.com/repo.git', path: 'chart', ...source },
  ...extra,
});

async function failure(p: Promise<unknown>): Promise<RenderError> {
  try {
    await p;
  } catch (err) {
    if (isRenderError(err)) return err;
    throw err;
  }
  throw new Error('expected the render to fail');
}

async function repoWith(files: Parameters<typeof writeTree>[1]): Promise<string> {
  return writeTree(await tempDir(), files);
}

describe('paths stay inside the repository', () => {
  it.each(['../..', '/etc', 'chart/../../..'])('the app path %s is refused', async (path) => {
    const repo = await repoWith(CHART);
    expect((await failure(renderer.render(request(repo, { path })))).code).toBe('PathEscape');
  });

  it('an app path that is a symlink to outside is refused', async () => {
    const outside = await repoWith(CHART);
    const repo = await repoWith({ link: { symlink: join(outside, 'chart') } });
    expect((await failure(renderer.render(request(repo, { path: 'link' })))).code).toBe(
      'PathEscape',
    );
  });

  it('a chart holding a symlink to a file outside is refused before helm reads it', async () => {
    const repo = await repoWith({ ...CHART, 'chart/files/passwd': { symlink: '/etc/passwd' } });
    const err = await failure(renderer.render(request(repo, {})));
    expect(err.code).toBe('PathEscape');
    expect(err.message).toBe('chart/files/passwd is a symlink to a path outside the repository');
  });

  it.each([
    ['../../../../../../etc/passwd'],
    ['/../../../../etc/passwd'],
    ['../../outside/values.yaml'],
    ['leak.yaml'],
  ])('the value file %s is refused (CVE-2022-24348)', async (valueFile) => {
    const top = await tempDir();
    await writeTree(top, { 'outside/values.yaml': 'note: stolen\n' });
    const repo = await writeTree(join(top, 'repo'), {
      ...CHART,
      'chart/leak.yaml': { symlink: join(top, 'outside/values.yaml') },
    });
    const err = await failure(
      renderer.render(request(repo, { helm: { valueFiles: [valueFile] } })),
    );
    expect(err.code).toBe('PathEscape');
    expect(err.message).not.toContain('stolen');
  });

  it('a $ref value file cannot climb out of its ref source', async () => {
    const repo = await repoWith(CHART);
    const values = await repoWith({ 'v.yaml': 'note: ok\n' });
    const err = await failure(
      renderer.render(
        request(
          repo,
          { helm: { valueFiles: ['$values/../../etc/passwd'] } },
          { refSources: { values } },
        ),
      ),
    );
    expect(err.code).toBe('PathEscape');
  });

  it('a directory source with a symlink to a file outside is refused', async () => {
    const outside = await repoWith({ 'secret.yaml': configMap('secret', { password: 'hunter2' }) });
    const repo = await repoWith({
      'app/ok.yaml': configMap('ok'),
      'app/secret.yaml': { symlink: join(outside, 'secret.yaml') },
    });
    const err = await failure(renderer.render(request(repo, { path: 'app' })));
    expect(err.code).toBe('PathEscape');
    expect(err.message).not.toContain('hunter2');
  });

  it('a kustomization cannot use a base outside the repository, nor a symlink leading out', async () => {
    const top = await tempDir();
    await writeTree(top, {
      'other-tenant/kustomization.yaml': 'resources: [cm.yaml]\n',
      'other-tenant/cm.yaml': configMap('theirs'),
    });
    const repo = await writeTree(join(top, 'repo'), {
      'app/kustomization.yaml': 'resources:\n- ../../other-tenant\n',
    });
    const err = await failure(renderer.render(request(repo, { path: 'app' })));
    expect(err.code).toBe('PathEscape');
    expect(err.message).toBe(
      'app/kustomization.yaml: resources entry "../../other-tenant" is outside the repository',
    );
    const linked = await writeTree(join(top, 'repo2'), {
      'app/kustomization.yaml': 'resources:\n- cm.yaml\n',
      'app/cm.yaml': configMap('mine'),
      'elsewhere/x': { symlink: join(top, 'other-tenant') },
    });
    expect((await failure(renderer.render(request(linked, { path: 'app' })))).code).toBe(
      'PathEscape',
    );
  });

  it('a shared immutable tree with a symlink leading out is refused on every render', async () => {
    const top = await tempDir();
    await writeTree(top, { 'other-tenant/cm.yaml': configMap('theirs') });
    const tree = await writeTree(join(top, 'tree'), {
      'a/kustomization.yaml': 'resources: [cm.yaml]\n',
      'a/cm.yaml': configMap('a'),
      'b/kustomization.yaml': 'resources: [cm.yaml]\n',
      'b/cm.yaml': configMap('b'),
      'elsewhere/x': { symlink: join(top, 'other-tenant') },
    });
    for (const path of ['a', 'b', 'a']) {
      const err = await failure(renderer.render(request(tree, { path }, { immutable: true })));
      expect(err.code).toBe('PathEscape');
      expect(err.message).toBe('elsewhere/x is a symlink to a path outside the repository');
    }
  });
});

describe('bad input is reported where it is', () => {
  it('invalid YAML in a manifest names the file and line', async () => {
    const repo = await repoWith({
      'app/ok.yaml': configMap('ok'),
      'app/bad.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndata:\n  a: [unclosed\n',
    });
    const err = await failure(renderer.render(request(repo, { path: 'app' })));
    expect(err.code).toBe('InvalidYAML');
    expect(err.file).toBe('app/bad.yaml');
    expect(err.message).toMatch(/^app\/bad\.yaml:\d+: /);
    expect(err.line).toBeGreaterThanOrEqual(6);
  });

  it('a Helm template error carries Helm’s own message', async () => {
    const repo = await repoWith({
      ...CHART,
      'chart/templates/req.yaml':
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ required "image.tag is required" .Values.image }}\n',
    });
    const err = await failure(renderer.render(request(repo, {})));
    expect(err.code).toBe('HelmError');
    expect(err.message).toMatch(/^helm template failed: Error: .*image\.tag is required/);
    // Private paths are not in the message.
    expect(err.message).not.toContain(repo);
  });

  it('a kustomize error carries kustomize’s message', async () => {
    const repo = await repoWith({ 'app/kustomization.yaml': 'resources:\n- missing.yaml\n' });
    const err = await failure(renderer.render(request(repo, { path: 'app' })));
    expect(err.code).toBe('KustomizeError');
    expect(err.message).toMatch(/^kustomize build failed: error: .*missing\.yaml/i);
  });

  it('a kustomize option that conflicts with the kustomization is a KustomizeError', async () => {
    const repo = await repoWith({
      'app/kustomization.yaml': 'commonLabels: {team: a}\nresources: [cm.yaml]\n',
      'app/cm.yaml': configMap('x'),
    });
    const err = await failure(
      renderer.render(request(repo, { path: 'app', kustomize: { commonLabels: { team: 'b' } } })),
    );
    expect(err.code).toBe('KustomizeError');
    expect(err.message).toBe('label team already in kustomization file');
  });
});

describe('limits', () => {
  it('output over the size limit is refused, for Helm and for directories', async () => {
    const big = 'x'.repeat(20_000);
    const repo = await repoWith({ ...CHART, 'app/big.yaml': configMap('big', { big }) });
    const small = new Renderer({ ...tools, maxOutputBytes: 8_000 });
    const helm = await failure(
      small.render(request(repo, { helm: { parameters: [{ name: 'big', value: big }] } })),
    );
    expect(helm.code).toBe('TooLarge');
    expect((await failure(small.render(request(repo, { path: 'app' })))).code).toBe('TooLarge');
  });

  it('a YAML alias bomb is refused, in manifests and in Helm values', async () => {
    const bomb = [
      'a: &a [x,x,x,x,x,x,x,x,x,x]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      '',
    ].join('\n');
    const repo = await repoWith({
      ...CHART,
      'app/bomb.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n${bomb}`,
      'chart/bomb.yaml': bomb,
    });
    expect((await failure(renderer.render(request(repo, { path: 'app' })))).code).toBe('TooLarge');
    expect(
      (await failure(renderer.render(request(repo, { helm: { valueFiles: ['bomb.yaml'] } })))).code,
    ).toBe('TooLarge');
    expect((await failure(renderer.render(request(repo, { helm: { values: bomb } })))).code).toBe(
      'TooLarge',
    );
  });

  it('a render past its timeout fails and helm is killed', async () => {
    const repo = await repoWith({
      ...CHART,
      'chart/templates/slow.yaml':
        '{{- range $i := until 100000 }}{{- range $j := until 100000 }}{{- end }}{{- end }}\n',
    });
    const quick = new Renderer({ ...tools, timeoutMs: 1_000 });
    const started = Date.now();
    const err = await failure(quick.render(request(repo, {})));
    expect(err.code).toBe('Timeout');
    expect(err.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('the killed tool is really gone', async () => {
    const dir = await tempDir();
    const pidFile = join(dir, 'pid');
    const fake = join(dir, 'kubectl');
    await writeFile(fake, `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 60\n`);
    await chmod(fake, 0o755);
    const repo = await repoWith({ 'app/kustomization.yaml': 'resources: []\n' });
    const r = new Renderer({
      ...tools,
      kubectlPath: fake,
      toolVersions: { kubectl: 'fake' },
      timeoutMs: 500,
    });
    expect((await failure(r.render(request(repo, { path: 'app' })))).code).toBe('Timeout');
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  });
});

describe('hostile values never become Helm flags', () => {
  it('a parameter name that looks like a flag is refused', async () => {
    const repo = await repoWith(CHART);
    for (const name of ['--post-renderer=/bin/sh', '-f', '--kubeconfig']) {
      const err = await failure(
        renderer.render(request(repo, { helm: { parameters: [{ name, value: 'x' }] } })),
      );
      expect(err.code).toBe('InvalidSource');
    }
  });

  it('values with newlines, flags and commas arrive as plain data', async () => {
    const repo = await repoWith(CHART);
    const result = await renderer.render(
      request(repo, {
        helm: {
          parameters: [
            { name: 'multi', value: 'line1\n--post-renderer=/bin/sh\nline3' },
            { name: 'comma', value: 'a,injected=yes' },
            { name: 'dashes', value: '--set=x=y', forceString: true },
          ],
        },
      }),
    );
    const data = result.objects[0]!['data'] as Record<string, string>;
    expect(data).toEqual({
      comma: 'a,injected=yes',
      dashes: '--set=x=y',
      multi: 'line1\n--post-renderer=/bin/sh\nline3',
      note: 'hello',
    });
  });

  it('a release name that could pass for a flag is refused', async () => {
    const repo = await repoWith(CHART);
    const err = await failure(renderer.render(request(repo, { helm: { releaseName: '--debug' } })));
    expect(err.code).toBe('InvalidSource');
  });

  it('a value file whose path holds a comma is read as one file', async () => {
    const repo = await repoWith({ ...CHART, 'chart/a,b/values.yaml': 'note: from-comma-dir\n' });
    const result = await renderer.render(
      request(repo, { helm: { valueFiles: ['a,b/values.yaml'] } }),
    );
    expect((result.objects[0]!['data'] as Record<string, string>).note).toBe('from-comma-dir');
  });
});

describe('credentials never reach a message', () => {
  it('a dependency repository URL is shown without its user and password', async () => {
    const repo = await repoWith({
      ...CHART,
      'chart/Chart.yaml': [
        'apiVersion: v2',
        'name: demo',
        'version: 0.1.0',
        'dependencies:',
        '- name: redis',
        '  version: 1.0.0',
        '  repository: https://bot:s3cret@charts.example.com/stable',
        '',
      ].join('\n'),
    });
    const err = await failure(
      renderer.render(request(repo, { repoURL: 'https://user:pw@git.example.com/r.git' })),
    );
    expect(err.code).toBe('DependencyMissing');
    expect(err.message).toContain('redis 1.0.0 from https://charts.example.com/stable');
    expect(err.message).not.toMatch(/s3cret|bot:|pw@/);
  });
});
