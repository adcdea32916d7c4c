import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { authorised, type BasicAuth } from './git-server.js';
import type { TestCa } from './tls.js';

/** A registry token service (the Docker token flow) and what the registry's `auth.token` needs. */
export interface TokenService extends AsyncDisposable {
  /** The registry's `auth.token` settings. */
  readonly config: Record<string, string>;
  /** Tokens handed out and refused (wrong credentials). */
  readonly issued: { ok: number; refused: number };
}

const ISSUER = 'flotilla-test-tokens';
const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/**
 * Serves `/token` over TLS from the env's CA: with `auth`'s Basic
 * credentials, an ES256 JWT granting every scope asked for; otherwise 401.
 * The registry trusts its key through a JWKS file written to `jwksFile`.
 */
export async function startTokenService(
  ca: TestCa,
  auth: BasicAuth,
  service: string,
  jwksFile: string,
): Promise<TokenService> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomUUID();
  await writeFile(
    jwksFile,
    JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256' }] }),
  );
  const issued = { ok: 0, refused: 0 };
  const server = createServer({ cert: ca.server.cert, key: ca.server.key }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    if (url.pathname !== '/token') return void res.writeHead(404).end();
    if (!authorised(req, auth)) {
      issued.refused++;
      return void res.writeHead(401, { 'content-type': 'application/json' }).end('{}');
    }
    const now = Math.floor(Date.now() / 1000);
    const access = url.searchParams.getAll('scope').map((scope) => {
      const [type = '', name = '', actions = ''] = scope.split(':');
      return { type, name, actions: actions.split(',').filter(Boolean) };
    });
    const header = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid }));
    const claims = b64url(
      JSON.stringify({
        iss: ISSUER,
        sub: auth.username,
        aud: service,
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: randomUUID(),
        access,
      }),
    );
    const signature = sign('sha256', Buffer.from(`${header}.${claims}`), {
      key: privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    issued.ok++;
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token: `${header}.${claims}.${b64url(signature)}`, expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    config: {
      realm: `https://127.0.0.1:${port}/token`,
      service,
      issuer: ISSUER,
      jwks: jwksFile,
    },
    issued,
    [Symbol.asyncDispose]: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
