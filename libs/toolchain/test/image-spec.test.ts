// deploy/Dockerfile and the daemonless build (`flotilla dev image`) must make the
// same image: both read the package list and .dockerignore; the rest of what the
// Dockerfile spells out is checked here against the build's own facts.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GOTEMPLATE_BINARY, IgnoreRules, IMAGE, imagePackages, USERADD } from '../src/index.js';

const root = join(import.meta.dirname, '..', '..', '..');
const dockerfile = await readFile(join(root, 'deploy', 'Dockerfile'), 'utf8');
/** Instructions with continuation lines joined. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const finalStage = instructions.slice(instructions.findLastIndex((l) => l.startsWith('FROM ')));
const all = (keyword: string) =>
  finalStage.filter((l) => l.startsWith(`${keyword} `)).map((l) => l.slice(keyword.length + 1));

describe('deploy/Dockerfile agrees with the daemonless image build', () => {
  it('builds on the same Node.js and Debian release', () => {
    const froms = instructions.filter((l) => l.startsWith('FROM ')).map((l) => l.split(/\s+/)[1]);
    expect(froms).toEqual([
      `golang:${IMAGE.goTemplate.goVersion}-${IMAGE.debianSuite}`,
      `node:${IMAGE.node.version}-${IMAGE.debianSuite}-slim`,
      `debian:${IMAGE.debianSuite}-slim`,
    ]);
    // The node binary of the final image is the build stage's.
    expect(all('COPY')).toContain('--from=build /usr/local/bin/node /usr/local/bin/node');
  });

  it('builds the Go template helper static from its module, at the path the appset role is told', () => {
    const stage = instructions.slice(
      instructions.findIndex((l) => l.startsWith('FROM golang:')),
      instructions.findIndex((l) => l.startsWith('FROM node:')),
    );
    expect(stage[0]).toMatch(/ AS gotemplate$/);
    expect(stage).toContain('COPY libs/toolchain/go/gotemplate/ ./');
    const build = stage.find((l) => l.startsWith('RUN '))!;
    expect(build).toContain('CGO_ENABLED=0');
    expect(build).toContain('go build');
    expect(build).toContain(`-o /out/${GOTEMPLATE_BINARY} .`);
    expect(all('COPY')).toContain(
      `--from=gotemplate /out/${GOTEMPLATE_BINARY} ${IMAGE.goTemplate.path}`,
    );
    expect(IMAGE.env.FLOTILLA_GOTEMPLATE).toBe(IMAGE.goTemplate.path);
  });

  it('installs the package list both read, and adds the same user', async () => {
    expect(all('COPY')).toContain(`${IMAGE.packagesFile} /tmp/packages.txt`);
    const install = all('RUN').join(' ');
    expect(install).toContain(
      '/tmp/packages.txt | xargs apt-get install -y --no-install-recommends',
    );
    expect(install).toContain(USERADD);
    expect(await imagePackages(root)).toEqual(
      expect.arrayContaining(['git', 'ca-certificates', 'tini']),
    );
  });

  it('copies the context less .dockerignore into the app dir, built the same way', () => {
    const build = instructions.slice(
      0,
      instructions.findLastIndex((l) => l.startsWith('FROM ')),
    );
    expect(build).toContain(`WORKDIR ${IMAGE.appDir}`);
    expect(build).toContain('COPY . .');
    expect(build.join(' ')).toContain('npm ci --omit=dev');
    expect(all('COPY')).toContain(`--from=build ${IMAGE.appDir} ${IMAGE.appDir}`);
  });

  it('runs the same entrypoint, as the same user, with the same environment', () => {
    expect(JSON.parse(all('ENTRYPOINT')[0]!)).toEqual(IMAGE.entrypoint);
    expect(JSON.parse(all('CMD')[0]!)).toEqual(IMAGE.cmd);
    expect(all('USER')).toEqual([`${IMAGE.user.uid}:${IMAGE.user.uid}`]);
    expect(all('WORKDIR')).toEqual([IMAGE.appDir]);
    const env = Object.fromEntries(
      all('ENV')
        .join(' ')
        .split(/\s+/)
        .map((kv) => kv.split('=') as [string, string]),
    );
    expect(env).toEqual(IMAGE.env);
  });
});

describe('.dockerignore rules', () => {
  const rules = IgnoreRules.parse(
    ['# comment', '**/node_modules', '**/test', 'dist', 'bench/*', '!bench/package.json'].join(
      '\n',
    ),
  );

  it('excludes matching paths and everything below them', () => {
    expect(rules.excludes('node_modules')).toBe(true);
    expect(rules.excludes('libs/api/node_modules/x/index.js')).toBe(true);
    expect(rules.excludes('libs/api/test/a.test.ts')).toBe(true);
    expect(rules.excludes('dist/flotilla.mjs')).toBe(true);
    expect(rules.excludes('libs/api/src/index.ts')).toBe(false);
    expect(rules.excludes('libs/api/src/testing.ts')).toBe(false);
  });

  it('lets a later ! line bring a path back, and walks the directories that lead to it', () => {
    expect(rules.excludes('bench/scale/scale.ts')).toBe(true);
    expect(rules.excludes('bench/package.json')).toBe(false);
    expect(rules.excludes('bench')).toBe(false);
    expect(rules.reincludesBelow('bench')).toBe(true);
    expect(rules.reincludesBelow('dist')).toBe(false);
  });

  it('reads the repository .dockerignore: sources in, tests and builds out', async () => {
    const repo = await IgnoreRules.read(join(root, '.dockerignore'));
    expect(repo.excludes('libs/gitops/src/health/lua/json.lua')).toBe(false);
    expect(repo.excludes('deploy/image/packages.txt')).toBe(false);
    expect(repo.excludes('services/applier/test/crash.int.test.ts')).toBe(true);
    expect(repo.excludes('tests/e2e/demo.int.test.ts')).toBe(true);
    expect(repo.excludes('tests/package.json')).toBe(false);
    expect(repo.excludes('.flotilla/kubeconfig')).toBe(true);
  });
});
