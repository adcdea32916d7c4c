// The name of the Kubernetes Event an app deletion records when it stops.
import { describe, expect, it } from 'vitest';
import type { Application } from '@flotilla/api';
import { deletionEventName } from '../src/deletion.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const app = (namespace: string, name: string, uid: string) =>
  ({ metadata: { namespace, name, uid } }) as unknown as Application;
const at = Date.parse('2026-12-03T10:00:00Z');
const nameOf = (a: Application) => deletionEventName(a, at);

describe('deletion Event names', () => {
  it('keep apart namesakes of two namespaces deleted in the same second, and an app made again', () => {
    const a = nameOf(app('team-a', 'shop', 'u1'));
    const b = nameOf(app('team-b', 'shop', 'u2'));
    const again = nameOf(app('team-a', 'shop', 'u3'));
    expect(a).toMatch(/^shop\.1796292000\.[0-9a-f]{6}\.deletion$/);
    expect(new Set([a, b, again]).size).toBe(3);
    // One deletion of one app always gets the same name: later failures update its Event.
    expect(nameOf(app('team-a', 'shop', 'u1'))).toBe(a);
  });

  it('stay a DNS subdomain of at most 253 characters for the longest app names', () => {
    for (const name of ['a'.repeat(253), `${'b'.repeat(240)}.c-d`, `x.${'y'.repeat(230)}-zz`]) {
      const event = nameOf(app('team-a', name, 'u1'));
      expect(event.length, name).toBeLessThanOrEqual(253);
      expect(event, name).toMatch(DNS_SUBDOMAIN);
      expect(event.endsWith('.deletion')).toBe(true);
    }
  });
});
