import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '@flotilla/runtime';

/** A PEM certificate and key pair on disk and in memory. */
export interface TlsPair {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

/** A private certificate authority for one env, with a server and a client certificate. */
export interface TestCa {
  readonly caFile: string;
  /** The CA certificate (PEM), what a client trusts. */
  readonly caPem: string;
  /** Serves 127.0.0.1 and localhost. */
  readonly server: TlsPair;
  /** A client certificate (CN `flotilla-test-client`) for mutual TLS. */
  readonly client: TlsPair;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  await run('openssl', args, { cwd, timeoutMs: 60_000 });
}

async function signed(dir: string, name: string, subject: string, ext: string): Promise<TlsPair> {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  const extFile = join(dir, `${name}.ext`);
  await writeFile(extFile, ext);
  await openssl(
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyFile,
      '-subj',
      subject,
      '-out',
      join(dir, `${name}.csr`),
    ],
    dir,
  );
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      join(dir, `${name}.csr`),
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-sha256',
      '-extfile',
      extFile,
      '-out',
      certFile,
    ],
    dir,
  );
  return {
    certFile,
    keyFile,
    cert: await readFile(certFile, 'utf8'),
    key: await readFile(keyFile, 'utf8'),
  };
}

/**
 * Makes a throwaway CA with the real `openssl`, and a server certificate for
 * 127.0.0.1/localhost and a client certificate signed by it, so suites test
 * TLS the way a private registry is set up: trusted through a custom CA.
 */
export async function createTestCa(dir: string): Promise<TestCa> {
  await mkdir(dir, { recursive: true });
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      '/CN=flotilla-test-ca',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  const server = await signed(
    dir,
    'server',
    '/CN=127.0.0.1',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  const client = await signed(
    dir,
    'client',
    '/CN=flotilla-test-client',
    'extendedKeyUsage=clientAuth\n',
  );
  const caFile = join(dir, 'ca.crt');
  return { caFile, caPem: await readFile(caFile, 'utf8'), server, client };
}
