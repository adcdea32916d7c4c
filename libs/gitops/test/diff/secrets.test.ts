import { afterAll, describe, expect, it } from 'vitest';
import {
  JqRunner,
  diffApp,
  driftedFields,
  maskSecretValues,
  prepareDesired,
  type DiffObject,
} from '../../src/diff/index.js';
import { APP, appInput, isNamespaced, testdata } from './fixtures.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
// Every value the fixtures hold, as written and as stored.
const VALUES = ['shop-admin', 'correct-horse-battery-staple', 'Tr0ub4dor&3'];
const FORBIDDEN = [...VALUES, ...VALUES.map(b64)];

function expectNoSecretIn(output: unknown): void {
  const text = JSON.stringify(output);
  for (const value of FORBIDDEN) expect(text).not.toContain(value);
}

const jq = new JqRunner({ timeoutMs: 400 });
afterAll(() => jq.close());

describe('Secret masking', () => {
  it('shows that the password changed, not what it is, in every output', async () => {
    const out = await diffApp(
      appInput([testdata('secret-desired.yaml')], [testdata('secret-live.yaml')]),
    );
    const [result] = out.resources;
    expect(result).toMatchObject({ status: 'OutOfSync', changedPaths: ['/data/password'] });
    expect(result?.diff).toMatch(/-\s+password: "?\+{8}"?\n\+\s+password: "?\+{12}"?/);
    expect(result?.diff).not.toMatch(/^[-+]\s+username/m);
    expectNoSecretIn(out);
  });

  it('masks a Secret that is Missing or Extraneous', async () => {
    const live = testdata('secret-live.yaml');
    live['metadata']['name'] = 'old-db';
    live['metadata']['annotations']['flotilla.dev/tracking-id'] =
      'flotilla_shop:/Secret:shop/old-db';
    const out = await diffApp(appInput([testdata('secret-desired.yaml')], [live]));
    expect(out.resources.map((r) => r.status).sort()).toEqual(['Extraneous', 'Missing']);
    for (const r of out.resources) expect(r.diff).toContain('password: ++++++++');
    expectNoSecretIn(out);
  });

  it('masks a server-side dry-run result too', async () => {
    const predicted = testdata('secret-live.yaml');
    predicted['data'] = {
      username: b64('shop-admin'),
      password: b64('correct-horse-battery-staple'),
    };
    const out = await diffApp(
      appInput([testdata('secret-desired.yaml')], [testdata('secret-live.yaml')], {
        serverSideDryRun: async () => predicted,
      }),
    );
    expect(out.resources[0]).toMatchObject({ status: 'OutOfSync', mode: 'server-side' });
    expectNoSecretIn(out);
  });

  it('redacts a value an error message quotes', async () => {
    const out = await diffApp(
      appInput([testdata('secret-desired.yaml')], [testdata('secret-live.yaml')], {
        serverSideDryRun: async () => {
          throw new Error(
            `data[password]: Invalid value: "Tr0ub4dor&3": too weak (${b64('shop-admin')})`,
          );
        },
      }),
    );
    expect(out.resources[0]).toMatchObject({ status: 'Error' });
    expect(out.resources[0]?.message).toContain('Invalid value');
    expectNoSecretIn(out);
  });

  it('leaks nothing when a jq expression fails on a Secret', async () => {
    const rules = [
      { kind: 'Secret', jqPathExpressions: ['.data.password | error', 'until(false; .)'] },
    ];
    const out = await diffApp(
      appInput([testdata('secret-desired.yaml')], [testdata('secret-live.yaml')]),
      { ignoreDifferences: rules, jq },
    );
    expect(out.resources[0]?.status).toBe('Error');
    expectNoSecretIn(out);
  });

  it('names drifted Secret fields by pointer only', async () => {
    const prepared = prepareDesired(testdata('secret-desired.yaml'), {
      app: APP,
      destinationNamespace: 'shop',
      isNamespaced,
    });
    if (!prepared.ok) throw new Error(prepared.message);
    const fields = await driftedFields(prepared.object, testdata('secret-live.yaml'));
    expect(fields).toEqual(['/data/password']);
  });
});

describe('maskSecretValues', () => {
  const secret = (data: Record<string, string>): DiffObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's' },
    data,
  });

  it('gives equal values equal masks and different values different lengths, per key', () => {
    const [a, b, c] = maskSecretValues([
      secret({ k: 'one', same: 'x' }),
      secret({ k: 'two', same: 'x' }),
      secret({ k: 'one', same: 'y' }),
    ]);
    expect([a?.['data'], b?.['data'], c?.['data']]).toEqual([
      { k: '++++++++', same: '++++++++' },
      { k: '++++++++++++', same: '++++++++' },
      { k: '++++++++', same: '++++++++++++' },
    ]);
  });

  it('leaves other kinds and the inputs alone', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k: 'v' } };
    const original = secret({ k: 'v' });
    const [maskedCm, maskedSecret] = maskSecretValues([cm, original]);
    expect(maskedCm).toBe(cm);
    expect(original['data']).toEqual({ k: 'v' });
    expect(maskedSecret?.['data']).toEqual({ k: '++++++++' });
  });
});
