// `flotilla kubectl` and the kubeconfig default: with neither --kubeconfig nor
// KUBECONFIG, the CLI uses .flotilla/kubeconfig of its checkout.
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds } from '@flotilla/kube';
import { startEnv, type TestEnv } from '@flotilla/testing';
import { flotilla } from './cli.js';

describe('flotilla kubectl', () => {
  let env: TestEnv;
  let root: string;
  // A checkout whose local control plane is the test cluster, and no KUBECONFIG.
  const run = (...args: string[]) =>
    flotilla(args, { env: { FLOTILLA_ROOT: root, KUBECONFIG: '' } });

  beforeAll(async () => {
    env = await startEnv({ kube: true });
    await installCrds(env.kube.kc);
    root = await mkdtemp(join(tmpdir(), 'flotilla-root-'));
    await mkdir(join(root, '.flotilla'));
    await copyFile(env.kube.kubeconfigPath, join(root, '.flotilla', 'kubeconfig'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await env[Symbol.asyncDispose]();
  });

  it('runs kubectl on the checkout’s cluster with the arguments as given', async () => {
    const r = await run('kubectl', 'get', 'namespace', 'default', '-o', 'name');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('namespace/default\n');
    expect(r.code).toBe(0);
  });

  it("passes kubectl's exit code through", async () => {
    const r = await run('kubectl', 'get', 'configmap', 'no-such-config', '-n', 'default');
    expect(r.stderr).toContain('"no-such-config" not found');
    expect(r.code).toBe(1);
  });

  it('app commands find the same kubeconfig, and --help says so', async () => {
    const list = await run('app', 'list', '-n', 'default');
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    const help = await run('--help');
    expect(help.stdout).toContain('.flotilla/kubeconfig of this checkout');
    expect(help.stdout).toContain('kubectl');
  });
});
