import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '@flotilla/runtime';
import { ProvisionError } from '../errors.js';

/** Options of {@link pushImage}. */
export interface ImagePushOptions {
  /** The OCI image layout and tag {@link buildImage} wrote. */
  readonly layout: string;
  readonly tag: string;
  /** Where to: `host[:port]/repository[:tag]`, as `docker push` names it. */
  readonly destination: string;
  /**
   * Basic credentials for the registry; skopeo's own login (`skopeo login`,
   * `REGISTRY_AUTH_FILE`) when absent. Written to a private auth file, never
   * put on a command line.
   */
  readonly credentials?: { readonly username: string; readonly password: string };
  /** A directory of extra CA certificates (`*.crt`) the registry's is signed by. */
  readonly certDir?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (msg: string) => void;
}

/** What {@link pushImage} pushed. */
export interface ImagePushResult {
  /** `docker://` reference of the pushed image. */
  readonly reference: string;
  /** Digest of the manifest as the registry serves it: the local one, byte for byte. */
  readonly digest: string;
}

/**
 * Pushes an image of an OCI layout to a registry with skopeo (a Debian
 * package, like umoci), keeping its digests: the manifest is sent as it is,
 * so the registry serves the digest the build printed, and it is read back
 * to check that it does.
 */
export async function pushImage(o: ImagePushOptions): Promise<ImagePushResult> {
  const env = o.env ?? process.env;
  const reference = `docker://${o.destination}`;
  const host = o.destination.split('/')[0]!;
  const work = await mkdtemp(join(tmpdir(), 'flotilla-push-'));
  try {
    const authArgs: string[] = [];
    if (o.credentials) {
      const authFile = join(work, 'auth.json');
      const auth = Buffer.from(`${o.credentials.username}:${o.credentials.password}`).toString(
        'base64',
      );
      await writeFile(authFile, JSON.stringify({ auths: { [host]: { auth } } }), { mode: 0o600 });
      authArgs.push('--authfile', authFile);
    }
    const certArgs = (side: 'dest' | 'src' | '') =>
      o.certDir ? [side ? `--${side}-cert-dir` : '--cert-dir', o.certDir] : [];
    o.log?.(`image: pushing ${o.layout}:${o.tag} to ${o.destination}`);
    await skopeo(
      [
        'copy',
        '--preserve-digests',
        ...authArgs,
        ...certArgs('dest'),
        `oci:${o.layout}:${o.tag}`,
        reference,
      ],
      env,
    );
    const { stdout } = await skopeo(
      ['inspect', '--raw', ...authArgs, ...certArgs(''), reference],
      env,
    );
    const digest = `sha256:${createHash('sha256').update(stdout).digest('hex')}`;
    return { reference, digest };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function skopeo(args: readonly string[], env: NodeJS.ProcessEnv) {
  try {
    return await run('skopeo', args, { env, timeoutMs: 30 * 60_000 });
  } catch (err) {
    if (((err as Error).cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
      throw new ProvisionError('skopeo is not installed: apt-get install skopeo', 'image');
    throw err;
  }
}
