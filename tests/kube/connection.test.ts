import { describe, expect, it } from 'vitest';
import { ApiError, describeConnectionError, isClusterConnectionError } from '@flotilla/kube';

const system = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('cluster connection errors', () => {
  it('tells errors about the whole cluster from errors about one kind', () => {
    expect(
      isClusterConnectionError(system('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.1:6443')),
    ).toBe(true);
    expect(isClusterConnectionError(system('EHOSTUNREACH', 'no route'))).toBe(true);
    expect(isClusterConnectionError(system('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed'))).toBe(
      true,
    );
    expect(
      isClusterConnectionError(
        new Error('wrapped', { cause: system('ECONNRESET', 'read ECONNRESET') }),
      ),
    ).toBe(true);
    expect(isClusterConnectionError(new ApiError(0, 'GET /api timed out'))).toBe(true);
    expect(isClusterConnectionError(new ApiError(401, 'Unauthorized'))).toBe(true);
    expect(isClusterConnectionError(new ApiError(403, 'forbidden'))).toBe(false);
    expect(isClusterConnectionError(new ApiError(404, 'not found'))).toBe(false);
    expect(isClusterConnectionError(Object.assign(new Error('Gone'), { statusCode: 410 }))).toBe(
      false,
    );
    expect(isClusterConnectionError(new Error('watch error 500'))).toBe(false);
  });

  it('describes one outage the same way whatever request failed', () => {
    const fetchError = (url: string) =>
      system(
        'ECONNREFUSED',
        `request to ${url} failed, reason: connect ECONNREFUSED 127.0.0.1:6443`,
      );
    const a = describeConnectionError(
      fetchError('https://127.0.0.1:6443/api/v1/configmaps?watch=true&resourceVersion=12'),
    );
    const b = describeConnectionError(fetchError('https://127.0.0.1:6443/version'));
    expect(a).toBe('connect ECONNREFUSED 127.0.0.1:6443');
    expect(b).toBe(a);
    expect(describeConnectionError(new ApiError(0, 'GET /apis timed out'))).toBe(
      'request timed out',
    );
    expect(describeConnectionError(new ApiError(401, 'Unauthorized'))).toBe('Unauthorized');
  });
});
