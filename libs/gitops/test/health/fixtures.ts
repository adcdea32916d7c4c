// Test data readers: built-in check fixtures and Argo CD's health_test.yaml suites.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import type { HealthObject } from '../../src/health/index.js';

const TESTDATA = join(import.meta.dirname, 'testdata');

/** A fixture of test/health/testdata, by name without `.yaml`. */
export function fixture(name: string): HealthObject {
  return parse(readFileSync(join(TESTDATA, `${name}.yaml`), 'utf8')) as HealthObject;
}

/** One case of an Argo CD `health_test.yaml`. */
export interface HealthTestCase {
  /** The customization key, e.g. `cert-manager.io/Certificate`. */
  readonly key: string;
  readonly inputPath: string;
  readonly status: string;
  /** Argo CD compares messages exactly; absent means "". */
  readonly message: string;
  readonly object: HealthObject;
}

/** Every directory under `root` holding a health.lua, as customization keys. */
export function customizationKeys(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (!statSync(path).isDirectory() || entry === 'testdata') continue;
      if (readdirSync(path).includes('health.lua')) out.push(relative(root, path));
      walk(path);
    }
  };
  walk(root);
  return out.sort();
}

/** The cases of `<root>/<key>/health_test.yaml`, with their inputs parsed. */
export function healthTestCases(root: string, key: string): HealthTestCase[] {
  const dir = join(root, key);
  const suite = parse(readFileSync(join(dir, 'health_test.yaml'), 'utf8')) as {
    tests: Array<{ healthStatus: { status: string; message?: string }; inputPath: string }>;
  };
  return suite.tests.map((t) => ({
    key,
    inputPath: t.inputPath,
    status: t.healthStatus.status,
    message: t.healthStatus.message ?? '',
    object: parse(readFileSync(join(dir, t.inputPath), 'utf8')) as HealthObject,
  }));
}
