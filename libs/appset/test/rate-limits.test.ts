import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeScm, type FakeScmServer } from '@flotilla/testing';
import {
  DEFAULT_RATE_LIMIT_WAIT_SECONDS,
  ScmErrorKind,
  ScmRateLimits,
  generate,
  rateLimitWait,
  runGenerator,
  ScmError,
  type GeneratorContext,
} from '../src/index.js';
import { fakeContext } from './fakes.js';

// Back-off after a rate limit: the fake SCM host answers 429, or GitHub's
// 403 with no requests left, and the requests it gets are counted while the
// wait lasts. The clock of the limits is the test's, so nothing sleeps.
const TOKENS: Record<string, string> = { a: 'tok-aaaa-1', b: 'tok-bbbb-2' };
const PULL = { number: 1, title: 't', branch: 'b', targetBranch: 'main', headSha: 'a'.repeat(40) };

let scm: FakeScmServer;
beforeAll(async () => {
  scm = await startFakeScm();
  scm.setPulls('org/app', [PULL]);
  scm.setPulls('group/app', [PULL]);
});
afterAll(async () => {
  await scm?.[Symbol.asyncDispose]();
});
afterEach(() => {
  scm.fail(undefined);
  scm.requests.length = 0;
});

function clocked() {
  let now = Date.now();
  const limits = new ScmRateLimits(() => now);
  const ctx = (): GeneratorContext => ({
    ...fakeContext(),
    scmRateLimits: limits,
    secret: async (name) => ({ token: TOKENS[name] ?? '' }),
  });
  return { limits, ctx, pass: (secs: number) => void (now += secs * 1000) };
}
const github = (secret = 'a', api = scm.baseUrl) => ({
  pullRequest: {
    github: { owner: 'org', repo: 'app', api, tokenRef: { secretName: secret, key: 'token' } },
  },
});
const failure = (p: Promise<unknown>): Promise<ScmError> =>
  p.then(
    () => {
      throw new Error('the generator was expected to fail');
    },
    (e: unknown) => e as ScmError,
  );

describe('rate limits', () => {
  it('asks a host nothing while the wait it gave lasts, for those credentials only', async () => {
    const { ctx, pass, limits } = clocked();
    scm.fail({ status: 429, headers: { 'retry-after': '30' }, body: { message: 'slow down' } });
    const first = await failure(runGenerator(github(), ctx()));
    expect(first).toMatchObject({ kind: ScmErrorKind.RateLimited, retryAfterSeconds: 30 });
    expect(first.message).toMatch(
      /GitHub API http:\/\/127\.0\.0\.1:\d+\/api\/v3\/repos\/org\/app\/pulls is rate-limited \(429\); not asked again for 30 s, until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: slow down/,
    );
    expect(scm.requests).toHaveLength(1);

    // The API has healed, but the wait is not over: runs fail at once, with
    // the same message and the wait counted down, and send nothing.
    scm.fail(undefined);
    pass(10);
    const again = await failure(runGenerator(github(), ctx()));
    expect(again).toMatchObject({ kind: ScmErrorKind.RateLimited, retryAfterSeconds: 20 });
    expect(again.message).toBe(first.message);
    pass(19);
    await expect(runGenerator(github(), ctx())).rejects.toMatchObject({ retryAfterSeconds: 1 });
    expect(scm.requests).toHaveLength(1);

    // Another token, or the same token at another origin, has its own limit.
    expect(await runGenerator(github('b'), ctx())).toHaveLength(1);
    const otherHost = scm.baseUrl.replace('127.0.0.1', 'localhost');
    expect(await runGenerator(github('a', otherHost), ctx())).toHaveLength(1);
    expect(scm.requests).toHaveLength(3);

    // Once the wait is over, the host is asked again.
    pass(1);
    expect(await runGenerator(github(), ctx())).toHaveLength(1);
    expect(scm.requests).toHaveLength(4);
    expect(limits.size).toBe(0);
  });

  it('takes the wait from GitHub’s x-ratelimit-reset, GitLab’s RateLimit-Reset, or a minute', async () => {
    const { ctx } = clocked();
    const reset = Math.floor(Date.now() / 1000) + 300;
    scm.fail({
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      body: { message: 'API rate limit exceeded for 10.0.0.1.' },
    });
    const gh = await failure(runGenerator(github(), ctx()));
    expect(gh).toMatchObject({ kind: ScmErrorKind.RateLimited, status: 403 });
    expect(gh.retryAfterSeconds).toBeGreaterThan(290);
    expect(gh.retryAfterSeconds).toBeLessThanOrEqual(300);

    const gitlab = { pullRequest: { gitlab: { project: 'group/app', api: scm.baseUrl } } };
    scm.fail({ status: 429, headers: { 'ratelimit-reset': String(reset) }, body: 'Retry later' });
    const gl = await failure(runGenerator(gitlab, ctx()));
    expect(gl.retryAfterSeconds).toBeGreaterThan(290);
    // A reset too small to be a time is seconds from now.
    const { ctx: fresh } = clocked();
    scm.fail({ status: 429, headers: { 'ratelimit-reset': '42' } });
    expect(await failure(runGenerator(gitlab, fresh()))).toMatchObject({ retryAfterSeconds: 42 });
    const { ctx: bare } = clocked();
    scm.fail({ status: 429 });
    const none = await failure(runGenerator(gitlab, bare()));
    expect(none.retryAfterSeconds).toBe(DEFAULT_RATE_LIMIT_WAIT_SECONDS);
    expect(none.message).toContain('not asked again for 60 s');
    // GitHub's first answer and GitLab's: one request each, and nothing since.
    expect(scm.requests).toHaveLength(4);
    await failure(runGenerator(gitlab, bare()));
    expect(scm.requests).toHaveLength(4);
  });

  it('finds the wait through nested generators, for the controller to run the set again then', async () => {
    const { ctx } = clocked();
    scm.fail({ status: 429, headers: { 'retry-after': '90' } });
    const matrix = {
      matrix: { generators: [{ list: { elements: [{ env: 'dev' }] } }, github()] },
    };
    const err = await generate([matrix], ctx()).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /^generator 1 \(matrix\): failed to get params for second generator in the matrix generator: GitHub API .* is rate-limited \(429\); not asked again for 90 s/,
    );
    expect(rateLimitWait(err)).toBe(90);
    // A limit that is over and never asked about again goes with the next one.
    const { limits, pass } = clocked();
    const limited = new ScmError(ScmErrorKind.RateLimited, 'limited', 429, 5);
    limits.hold('a', limited);
    pass(6);
    limits.hold('b', limited);
    expect(limits.size).toBe(1);
    expect(rateLimitWait(new Error('other', { cause: new Error('deeper') }))).toBeUndefined();
  });
});
