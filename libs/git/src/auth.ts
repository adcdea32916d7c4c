import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RepoCredential } from './credentials.js';

/** Environment and clean-up for one git invocation with credentials. */
export interface GitAuth {
  readonly env: Record<string, string>;
  readonly args: string[];
  /** Secrets to scrub from any output shown to users. */
  readonly secrets: (string | undefined)[];
  dispose(): Promise<void>;
}

const ASKPASS = `#!/bin/sh
case "$1" in
  Username*) printf '%s\\n' "$FLOTILLA_GIT_USERNAME" ;;
  *) printf '%s\\n' "$FLOTILLA_GIT_PASSWORD" ;;
esac
`;

/**
 * Prepares credentials without putting them on a command line: HTTPS through
 * an askpass script reading environment variables, SSH through a key file
 * (mode 0600) with strict host key checking. Everything is deleted on dispose.
 */
export async function prepareAuth(cred: RepoCredential | undefined): Promise<GitAuth> {
  const dir = await mkdtemp(join(tmpdir(), 'flotilla-git-auth-'));
  const env: Record<string, string> = {};
  const args: string[] = [];
  if (cred?.username !== undefined || cred?.password !== undefined) {
    const askpass = join(dir, 'askpass.sh');
    await writeFile(askpass, ASKPASS, { mode: 0o700 });
    Object.assign(env, {
      GIT_ASKPASS: askpass,
      FLOTILLA_GIT_USERNAME: cred.username ?? '',
      FLOTILLA_GIT_PASSWORD: cred.password ?? '',
    });
  }
  if (cred?.sshPrivateKey) {
    const key = join(dir, 'id');
    await writeFile(
      key,
      cred.sshPrivateKey.endsWith('\n') ? cred.sshPrivateKey : `${cred.sshPrivateKey}\n`,
      { mode: 0o600 },
    );
    const knownHosts = join(dir, 'known_hosts');
    await writeFile(knownHosts, cred.knownHosts ?? '');
    await chmod(key, 0o600);
    env['GIT_SSH_COMMAND'] =
      `ssh -i ${key} -o IdentitiesOnly=yes -o UserKnownHostsFile=${knownHosts} ` +
      `-o StrictHostKeyChecking=yes -o BatchMode=yes`;
  }
  if (cred?.insecure) args.push('-c', 'http.sslVerify=false');
  return {
    env,
    args,
    secrets: [cred?.password, cred?.sshPrivateKey],
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
