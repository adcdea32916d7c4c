import { join } from 'node:path';
import { createLogger, type Role, type RoleHandle } from '@flotilla/runtime';
import { roleConfig, type TestEnv } from '@flotilla/testing';
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

/** Role settings for a test: fast polling, no webhook port, caches in the env's temp dir. */
export function testRoleEnv(env: TestEnv): Record<string, string> {
  return {
    FLOTILLA_WEBHOOK_ADDR: '127.0.0.1:0',
    FLOTILLA_POLL_INTERVAL_SECONDS: '2',
    FLOTILLA_POLL_JITTER_SECONDS: '0',
    FLOTILLA_REPO_CACHE_DIR: join(env.tmpDir, 'repos'),
    FLOTILLA_RENDER_WORK_DIR: join(env.tmpDir, 'work'),
  };
}

/** Starts roles in this process against the env, watching Applications in `namespace`. */
export async function startRoles(
  env: TestEnv,
  namespace: string,
  roles: readonly Role[] = ALL_ROLES,
  extraEnv: Record<string, string> = {},
): Promise<{ stop(): Promise<void> }> {
  const config = roleConfig(env, namespace);
  const roleEnv = { ...testRoleEnv(env), ...extraEnv };
  const handles: RoleHandle[] = [];
  const stop = async () => {
    for (const h of handles.reverse()) await h.stop();
  };
  try {
    for (const role of roles) {
      handles.push(
        await role.start({
          logger: createLogger({ name: role.name, level: 'warn' }),
          signal: new AbortController().signal,
          config,
          env: roleEnv,
        }),
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { stop };
}
