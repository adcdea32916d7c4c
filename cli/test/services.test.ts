import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const SERVICES = ['git-poller', 'renderer', 'differ', 'applier', 'hook-runner'];

/** Starts a service's main.ts, waits for its "role started" line, sends SIGTERM, and collects what it logged. */
function startAndStop(
  service: string,
): Promise<{ code: number | null; lines: Record<string, unknown>[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'services', service, 'src', 'main.ts')],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const lines: Record<string, unknown>[] = [];
    let buf = '';
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = JSON.parse(buf.slice(0, i)) as Record<string, unknown>;
        buf = buf.slice(i + 1);
        lines.push(line);
        if (line['msg'] === 'role started') child.kill('SIGTERM');
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, lines }));
  });
}

describe.each(SERVICES)('the %s service', (service) => {
  it('starts, logs JSON with pino and stops cleanly on SIGTERM', async () => {
    const { code, lines } = await startAndStop(service);
    expect(code).toBe(0);
    expect(lines.find((l) => l['msg'] === 'role started')).toMatchObject({
      name: service,
      role: service,
      level: 'info',
    });
    expect(lines.at(-1)).toMatchObject({ msg: 'stopped', exitCode: 0 });
  });
});
