import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderKubeconfig } from '../src/kubeconfig.js';

describe('renderKubeconfig', () => {
  it('writes one cluster, one token user and a current context', () => {
    const cfg = parse(
      renderKubeconfig({
        name: 'dev',
        server: 'https://127.0.0.1:6443',
        caPem: 'PEM',
        user: 'admin',
        token: 't0k',
      }),
    ) as Record<string, any>;
    expect(cfg['current-context']).toBe('dev');
    expect(cfg.clusters[0].cluster.server).toBe('https://127.0.0.1:6443');
    expect(
      Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64').toString(),
    ).toBe('PEM');
    expect(cfg.users[0]).toEqual({ name: 'admin', user: { token: 't0k' } });
  });
});
