import { describe, expect, it } from 'vitest';
import {
  checkParameterName,
  checkReleaseName,
  escapeSetValue,
  helmTemplateArgs,
  isRenderError,
  type HelmTemplatePlan,
} from '../src/index.js';

const plan = (extra: Partial<HelmTemplatePlan> = {}): HelmTemplatePlan => ({
  releaseName: 'guestbook',
  apiVersions: [],
  valueFiles: [],
  set: [],
  setString: [],
  setFile: [],
  skipCrds: false,
  skipTests: false,
  skipSchemaValidation: false,
  ...extra,
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('helm template arguments', () => {
  it('puts every value inside its own --flag=value and the names after --', () => {
    expect(helmTemplateArgs(plan({ namespace: 'prod', kubeVersion: '1.34.0' }))).toEqual([
      'template',
      '--namespace=prod',
      '--kube-version=1.34.0',
      '--include-crds',
      '--',
      'guestbook',
      '.',
    ]);
  });

  it('orders values as Argo CD: value files, then values/valuesObject, then parameters', () => {
    const args = helmTemplateArgs(
      plan({
        valueFiles: ['/w/values-0.yaml', '/w/values-1.yaml'],
        inlineValuesFile: '/w/values-inline.yaml',
        set: [{ name: 'image.tag', value: 'v2' }],
        setString: [{ name: 'port', value: '80' }],
        setFile: [{ name: 'cert', value: '/w/file-parameter-0' }],
        apiVersions: ['monitoring.coreos.com/v1'],
        skipCrds: true,
        skipTests: true,
        skipSchemaValidation: true,
      }),
    );
    expect(args).toEqual([
      'template',
      '--set=image.tag=v2',
      '--set-string=port=80',
      '--set-file=cert=/w/file-parameter-0',
      '--values=/w/values-0.yaml',
      '--values=/w/values-1.yaml',
      '--values=/w/values-inline.yaml',
      '--api-versions=monitoring.coreos.com/v1',
      '--skip-crds',
      '--skip-schema-validation',
      '--skip-tests',
      '--',
      'guestbook',
      '.',
    ]);
    // Helm merges -f files in order, then --set, then --set-string: the inline
    // file after the value files wins over them, and parameters win over all.
    const values = args.filter((a) => a.startsWith('--values='));
    expect(values.at(-1)).toBe('--values=/w/values-inline.yaml');
  });

  it('keeps the last parameter of each name', () => {
    const args = helmTemplateArgs(
      plan({
        set: [
          { name: 'a', value: '1' },
          { name: 'b', value: '2' },
          { name: 'a', value: '3' },
        ],
      }),
    );
    expect(args.filter((a) => a.startsWith('--set='))).toEqual(['--set=a=3', '--set=b=2']);
  });

  it('keeps a hostile value as data in one argument', () => {
    const value = 'x\n--post-renderer=/bin/sh';
    const args = helmTemplateArgs(plan({ set: [{ name: 'note', value }] }));
    expect(args).toContain(`--set=note=${value}`);
    expect(args).not.toContain('--post-renderer=/bin/sh');
  });

  it('escapes commas so a value cannot set a second key', () => {
    expect(escapeSetValue('a,b=c')).toBe('a\\,b=c');
    expect(escapeSetValue('a\\,b')).toBe('a\\,b');
    expect(escapeSetValue('a,,b')).toBe('a\\,\\,b');
    expect(escapeSetValue('{a,b}')).toBe('{a,b}');
  });
});

describe('names that reach Helm', () => {
  it.each(['--post-renderer=/bin/sh', '-f', '', 'a\nb', 'tab\tname'])(
    'parameter name %j is refused',
    (name) => {
      const err = thrown(() => checkParameterName(name, 'helm.parameters'));
      expect(isRenderError(err, 'InvalidSource')).toBe(true);
    },
  );

  it('accepts ordinary --set paths', () => {
    expect(checkParameterName('image.tag', 'p')).toBe('image.tag');
    expect(checkParameterName('list[0].name', 'p')).toBe('list[0].name');
  });

  it.each(['-x', 'Upper', 'a_b', 'x'.repeat(54), ''])('release name %j is refused', (name) => {
    expect(
      isRenderError(
        thrown(() => checkReleaseName(name)),
        'InvalidSource',
      ),
    ).toBe(true);
  });
});
