// What npm start suggests: short commands a user can paste in another shell.
import { describe, expect, it } from 'vitest';
import { demoHints } from '../src/demo.js';

describe('demoHints', () => {
  it('names no kubeconfig, Redis or tool path: the CLI finds them itself', () => {
    const text = demoHints('.flotilla/demo/work');
    expect(text).toContain('npx flotilla app get demo --refresh');
    expect(text).toContain('npx flotilla kubectl -n demo scale deployment demo-frontend');
    expect(text).toContain('npx flotilla app diff demo\n');
    expect(text).toContain('git -C .flotilla/demo/work push');
    for (const noise of ['--kubeconfig', '--redis-url', '--nats-url', '.cache/flotilla'])
      expect(text).not.toContain(noise);
  });

  it('names NATS only when it is not at its default address', () => {
    expect(demoHints('w', 'nats://127.0.0.1:40123')).toContain(
      'npx flotilla events tail --app demo --nats-url nats://127.0.0.1:40123',
    );
  });
});
