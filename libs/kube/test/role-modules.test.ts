// Loading @kubernetes/client-node's KubeConfig loads its whole generated API
// (about 800 modules): some 70 MiB of resident memory and a second of start
// in each role. No role may load any of it before it needs a typed client.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The files under node_modules/@kubernetes/client-node that importing `module` loads. */
async function clientNodeFiles(module: string): Promise<{ files: number; matching: number }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'scripts/loaded-modules.mjs', module, '/@kubernetes/client-node/'],
    { cwd: root, maxBuffer: 8 * 2 ** 20 },
  );
  return JSON.parse(stdout) as { files: number; matching: number };
}

describe('the roles at start', () => {
  it.each(['differ', 'applier', 'renderer', 'git-poller', 'hook-runner', 'appset', 'notifier'])(
    'the %s loads nothing of @kubernetes/client-node',
    async (role) => {
      const loaded = await clientNodeFiles(`./services/${role}/src/role.ts`);
      expect(loaded.files).toBeGreaterThan(100); // the role itself did load
      expect(loaded.matching).toBe(0);
    },
  );

  it('the check sees client-node when it is loaded', async () => {
    const loaded = await clientNodeFiles('@kubernetes/client-node');
    expect(loaded.matching).toBeGreaterThan(500);
  });
});
