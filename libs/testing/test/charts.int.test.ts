import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:https';
import { parse } from 'yaml';
import { startEnv, writeChart, type TestEnv } from '../src/index.js';

function get(
  url: string,
  ca: string,
  auth?: { username: string; password: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = auth
      ? {
          authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
        }
      : {};
    const req = request(url, { ca, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('chart servers: an OCI registry and a Helm repository', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await startEnv({ registry: true, helmRepo: true });
    // The first suite to ask builds the registry from its Go module.
  }, 1_800_000);
  afterAll(async () => {
    await env[Symbol.asyncDispose]();
  });

  it('the registry takes a helm push over TLS from the test CA and refuses anonymous reads', async () => {
    const dir = await writeChart(env.tmpDir, { name: 'podinfo', version: '1.2.3' });
    const pushed = await env.registry.push(dir);
    expect(pushed.ref).toBe(`oci://${env.registry.host}/charts/podinfo`);
    expect(pushed.version).toBe('1.2.3');
    expect(pushed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const tags = `https://${env.registry.host}/v2/charts/podinfo/tags/list`;
    expect((await get(tags, env.ca.caPem)).status).toBe(401);
    const listed = await get(tags, env.ca.caPem, env.registry.auth);
    expect(JSON.parse(listed.body)).toEqual({ name: 'charts/podinfo', tags: ['1.2.3'] });
  });

  it('the Helm repository serves an index made by helm repo index, behind basic auth', async () => {
    await env.helmRepo.publish(
      await writeChart(env.tmpDir, { name: 'guestbook', version: '0.1.0' }),
    );
    await env.helmRepo.publish(
      await writeChart(env.tmpDir, { name: 'guestbook', version: '0.2.0' }),
    );
    expect((await get(`${env.helmRepo.url}/index.yaml`, env.ca.caPem)).status).toBe(401);
    const index = await get(`${env.helmRepo.url}/index.yaml`, env.ca.caPem, env.helmRepo.auth);
    const entries = (parse(index.body) as { entries: Record<string, { version: string }[]> })
      .entries;
    expect(entries['guestbook']?.map((e) => e.version).sort()).toEqual(['0.1.0', '0.2.0']);
    const tgz = await get(
      `${env.helmRepo.url}/guestbook-0.2.0.tgz`,
      env.ca.caPem,
      env.helmRepo.auth,
    );
    expect(tgz.status).toBe(200);
  });
});
