import type { ResourceIgnoreDifferences } from '@flotilla/api';
import { afterAll, describe, expect, it } from 'vitest';
import { JqRunner, compileJqOptions, diffApp, isJqError } from '../../src/diff/index.js';
import { appInput, testdata } from './fixtures.js';

// A tight time limit keeps the runaway cases quick; real use has 1 s.
const jq = new JqRunner({ timeoutMs: 400 });
afterAll(() => jq.close());

const webhook = (expressions: string[]): ResourceIgnoreDifferences => ({
  group: 'admissionregistration.k8s.io',
  kind: 'MutatingWebhookConfiguration',
  jqPathExpressions: expressions,
});
const diff = (rules: ResourceIgnoreDifferences[]) =>
  diffApp(appInput([testdata('webhook-desired.yaml')], [testdata('webhook-live.yaml')]), {
    ignoreDifferences: rules,
    jq,
  });

describe('jqPathExpressions', () => {
  it('shows the injected caBundles as drift without a rule', async () => {
    const { resources } = await diff([]);
    expect(resources[0]?.changedPaths).toEqual([
      '/webhooks/0/clientConfig/caBundle',
      '/webhooks/1/clientConfig/caBundle',
    ]);
  });

  it('ignores the field in every list item an expression selects', async () => {
    const { resources } = await diff([webhook(['.webhooks[]?.clientConfig.caBundle'])]);
    expect(resources[0]).toMatchObject({ status: 'Synced', diff: '' });
  });

  it('ignores only what a select() picks', async () => {
    const { resources } = await diff([
      webhook([
        '.webhooks[] | select(.name == "orders.shop.example.com") | .clientConfig.caBundle',
      ]),
    ]);
    expect(resources[0]?.changedPaths).toEqual(['/webhooks/1/clientConfig/caBundle']);
  });

  it('ignores nothing, like Argo CD, when an expression fails on the object', async () => {
    const { resources } = await diff([
      webhook([
        '.spec.template.spec.initContainers[] | .image',
        '.webhooks[]?.clientConfig.caBundle',
      ]),
    ]);
    expect(resources[0]?.status).toBe('Synced');
  });

  it('reports an expression that does not compile as an error of the resource', async () => {
    const { resources, summary } = await diff([webhook(['.webhooks[) | .x'])]);
    expect(resources[0]).toMatchObject({
      status: 'Error',
      message: expect.stringContaining('does not compile'),
    });
    expect(summary.status).toBe('Unknown');
  });
});

describe('jq bounds', () => {
  it('stops an endless loop with a clear error, quickly', async () => {
    const started = Date.now();
    const { resources, summary } = await diff([webhook(['until(false; .)'])]);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(resources[0]).toMatchObject({
      status: 'Error',
      message: expect.stringContaining('ran longer than 400 ms'),
    });
    expect(summary).toMatchObject({ status: 'Unknown', pruneCandidates: [] });
  });

  it.each([
    ['a billion-element array', '[range(1e9)] | .[0]'],
    ['a gigabyte string', '("x" * 1000000000) | .a'],
    ['unbounded recursion', 'def f: [f]; f'],
  ])('ends %s with a memory error, not an OOM of the process', async (_what, expression) => {
    const started = Date.now();
    const { resources } = await diff([webhook([expression])]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(resources[0]?.status).toBe('Error');
    expect(resources[0]?.message).toMatch(/out of memory|ran longer than/);
  });

  it('keeps working after a sandbox was killed', async () => {
    await expect(jq.paths({}, 'until(false; .)')).rejects.toSatisfy((e) => isJqError(e, 'Timeout'));
    await expect(jq.paths({ a: { b: 1 } }, '.a.b')).resolves.toEqual([['a', 'b']]);
  });

  it('refuses an object over the input limit without running jq', async () => {
    const small = new JqRunner({ maxInputBytes: 1024 });
    try {
      await expect(small.paths({ big: 'x'.repeat(2000) }, '.big')).rejects.toSatisfy((e) =>
        isJqError(e, 'InputTooLarge'),
      );
    } finally {
      await small.close();
    }
  });

  it('refuses an answer over the output limit', async () => {
    const small = new JqRunner({ maxOutputBytes: 64 });
    try {
      const doc = { items: Array.from({ length: 50 }, (_, i) => ({ name: `n${i}` })) };
      await expect(small.paths(doc, '..')).rejects.toSatisfy((e) => isJqError(e, 'OutputTooLarge'));
    } finally {
      await small.close();
    }
  });

  it('accepts a trailing comment and refuses an over-long expression', async () => {
    await expect(jq.paths({ a: 1 }, '.a # the field a')).resolves.toEqual([['a']]);
    await expect(jq.paths({}, `.a${' '.repeat(20_000)}`)).rejects.toSatisfy((e) =>
      isJqError(e, 'Compile'),
    );
  });

  it('sees a fake environment, not the process’s', async () => {
    expect(process.env['PATH']).not.toBe('/');
    const probe = 'if $ENV.PATH == "/" then .fake else .real end';
    await expect(jq.paths({}, probe)).resolves.toEqual([['fake']]);
  });

  it('checks its limits', () => {
    expect(() => compileJqOptions({ timeoutMs: 0 })).toThrow(RangeError);
    expect(() => compileJqOptions({ maxInputBytes: 10 * 1024 * 1024 })).toThrow(/at most/);
    expect(compileJqOptions()).toMatchObject({ timeoutMs: 1000 });
  });
});
