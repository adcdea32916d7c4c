import { join } from 'node:path';
import type { Role } from '@flotilla/runtime';
import type { TestEnv } from '@flotilla/testing';
import { gitPollerRole } from '@flotilla/git-poller';
import { rendererRole } from '@flotilla/renderer';
import { differRole } from '@flotilla/differ';
import { applierRole } from '@flotilla/applier';
import { hookRunnerRole } from '@flotilla/hook-runner';

/** Every role, downstream first, so each one's consumers exist before work arrives. */
export const ALL_ROLES: readonly Role[] = [
  hookRunnerRole,
  applierRole,
  differRole,
  rendererRole,
  gitPollerRole,
];

/** Role settings for a pipeline test: fast polling, no webhook port, caches in the env's temp dir. */
export function testRoleEnv(env: TestEnv): Record<string, string> {
  return {
    FLOTILLA_WEBHOOK_ADDR: '127.0.0.1:0',
    FLOTILLA_POLL_INTERVAL_SECONDS: '2',
    FLOTILLA_POLL_JITTER_SECONDS: '0',
    FLOTILLA_REPO_CACHE_DIR: join(env.tmpDir, 'repos'),
    FLOTILLA_RENDER_WORK_DIR: join(env.tmpDir, 'work'),
  };
}
