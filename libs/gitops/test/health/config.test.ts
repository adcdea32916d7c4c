// Reading health customizations from ConfigMap data as Argo CD users write
// them in argocd-cm: per-kind keys, the older YAML block, precedence, errors.
import { describe, expect, it } from 'vitest';
import {
  HEALTH_CONFIG_MAPS,
  healthCustomizationsFrom,
  isHealthOptionsError,
} from '../../src/health/index.js';

const lua = (msg: string) => `return { status = "Healthy", message = "${msg}" }`;

describe('healthCustomizationsFrom', () => {
  it('reads resource.customizations.health.<group_Kind> keys, core kinds by Kind alone', () => {
    const got = healthCustomizationsFrom([
      {
        name: 'argocd-cm',
        data: {
          'resource.customizations.health.cert-manager.io_Certificate': lua('cert'),
          'resource.customizations.health.Pod': lua('pod'),
          'resource.customizations.useOpenLibs.cert-manager.io_Certificate': 'true',
          'application.resourceTrackingMethod': 'annotation',
        },
      },
    ]);
    expect(got).toEqual({
      scripts: { 'cert-manager.io/Certificate': lua('cert'), Pod: lua('pod') },
      openLibs: ['cert-manager.io/Certificate'],
    });
  });

  it('reads the older resource.customizations block, wildcards included', () => {
    const block = [
      'example.com/Widget:',
      '  health.lua.useOpenLibs: true',
      '  health.lua: |',
      `    ${lua('widget')}`,
      '"*.crossplane.io/*":',
      '  health.lua: |',
      `    ${lua('crossplane')}`,
      'apps/Deployment:',
      '  ignoreDifferences: |',
      '    jsonPointers: [/spec/replicas]',
    ].join('\n');
    const got = healthCustomizationsFrom([
      { name: 'argocd-cm', data: { 'resource.customizations': block } },
    ]);
    expect(got).toEqual({
      scripts: {
        'example.com/Widget': `${lua('widget')}\n`,
        '*.crossplane.io/*': `${lua('crossplane')}\n`,
      },
      openLibs: ['example.com/Widget'],
    });
  });

  it('lets a per-kind key win over the block, and flotilla-cm over argocd-cm', () => {
    expect(HEALTH_CONFIG_MAPS).toEqual(['flotilla-cm', 'argocd-cm']);
    const got = healthCustomizationsFrom([
      {
        name: 'flotilla-cm',
        data: { 'resource.customizations.health.example.com_A': lua('ours') },
      },
      {
        name: 'argocd-cm',
        data: {
          'resource.customizations': `example.com/B:\n  health.lua: ${JSON.stringify(lua('block'))}\n`,
          'resource.customizations.health.example.com_A': lua('argo'),
          'resource.customizations.health.example.com_B': lua('key'),
        },
      },
      { name: 'absent' },
    ]);
    expect(got.scripts).toEqual({ 'example.com/A': lua('ours'), 'example.com/B': lua('key') });
  });

  it.each([
    [
      { 'resource.customizations.health.a_b_c': 'x' },
      'argocd-cm: resource.customizations.health.a_b_c',
    ],
    [{ 'resource.customizations.health.': 'x' }, 'argocd-cm: resource.customizations.health.'],
    [
      { 'resource.customizations.useOpenLibs.Pod': 'yes' },
      'argocd-cm: resource.customizations.useOpenLibs.Pod',
    ],
    [{ 'resource.customizations': 'a: [' }, 'argocd-cm: resource.customizations'],
    [{ 'resource.customizations': '- a' }, 'argocd-cm: resource.customizations'],
    [
      { 'resource.customizations': 'x/Y:\n  health.lua: 7' },
      'argocd-cm: resource.customizations["x/Y"]',
    ],
    [
      { 'resource.customizations': 'bad key!:\n  health.lua: x' },
      'argocd-cm: resource.customizations["bad key!"]',
    ],
  ])('rejects %j with an error naming the ConfigMap and key', (data, option) => {
    let err: unknown;
    try {
      healthCustomizationsFrom([{ name: 'argocd-cm', data }]);
    } catch (e) {
      err = e;
    }
    expect(isHealthOptionsError(err)).toBe(true);
    expect(err).toMatchObject({ option });
    expect((err as Error).message.startsWith(option)).toBe(true);
  });
});
