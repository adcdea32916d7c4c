import type { RequestOptions } from 'node:https';
import { describe, expect, it } from 'vitest';
import { clusterFromSecret } from '@flotilla/kube';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (config: unknown, name = 'prod') => ({
  metadata: { name: `cluster-${name}` },
  data: {
    name: b64(name),
    server: b64('https://prod.example.com:6443'),
    config: b64(typeof config === 'string' ? config : JSON.stringify(config)),
  },
});

describe('Argo CD cluster Secrets', () => {
  it('reads a bearer token and CA', async () => {
    const t = clusterFromSecret(
      secret({ bearerToken: 'tok', tlsClientConfig: { caData: b64('CA'), serverName: 'api' } }),
    );
    if (!t || !('kc' in t)) throw new Error('expected a usable cluster');
    expect(t).toMatchObject({ name: 'prod', server: 'https://prod.example.com:6443' });
    const options: RequestOptions = {};
    await t.kc.applyToHTTPSOptions(options);
    expect(options).toMatchObject({
      headers: { Authorization: 'Bearer tok' },
      ca: 'CA',
      servername: 'api',
    });
    expect(options.rejectUnauthorized).toBeUndefined();
  });

  it('reads client certificates', async () => {
    const t = clusterFromSecret(
      secret({
        tlsClientConfig: { certData: b64('CERT'), keyData: b64('KEY'), caData: b64('CA') },
      }),
    );
    if (!t || !('kc' in t)) throw new Error('expected a usable cluster');
    const options: RequestOptions = {};
    await t.kc.applyToHTTPSOptions(options);
    expect(options).toMatchObject({ cert: 'CERT', key: 'KEY', ca: 'CA' });
    expect(options.headers).not.toHaveProperty('Authorization');
  });

  it.each([
    ['execProviderConfig', { execProviderConfig: { command: 'argocd-k8s-auth' } }],
    ['awsAuthConfig', { awsAuthConfig: { clusterName: 'prod', roleARN: 'arn:aws:iam::1:role/x' } }],
  ])('says %s is not supported yet', (field, config) => {
    expect(clusterFromSecret(secret(config))).toEqual({
      name: 'prod',
      server: 'https://prod.example.com:6443',
      problem: `${field} is not supported yet: give the Secret a bearerToken or client certificates`,
    });
  });

  it('names a config that is not JSON, without echoing it', () => {
    expect(clusterFromSecret(secret('{"bearerToken": "s3cret"'))).toEqual({
      name: 'prod',
      server: 'https://prod.example.com:6443',
      problem: 'the config of Secret cluster-prod is not JSON',
    });
  });
});
