// Test data readers: built-in check fixtures and Argo CD's health_test.yaml suites.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CORE_SCHEMA, loadAll } from 'js-yaml';
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
  /** Why the input could not be parsed; `object` is then empty. */
  readonly parseError?: string;
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

/** A field by name, case-insensitively, as Go's JSON decoding (and so Argo CD's test) reads it. */
function field(obj: unknown, name: string): unknown {
  if (typeof obj !== 'object' || obj === null) return undefined;
  const entry = Object.entries(obj).find(([k]) => k.toLowerCase() === name.toLowerCase());
  return entry?.[1];
}

/**
 * An Argo CD test input read as Argo CD's Go YAML reader reads it: the first
 * document only, a later duplicate key winning, timestamps kept as strings, and
 * a quoted scalar allowed to continue at its key's indentation (a few inputs
 * do this, which the stricter `yaml` package refuses).
 */
function goLikeYaml(text: string): HealthObject {
  const docs = loadAll(text, undefined, { schema: CORE_SCHEMA, json: true });
  return (docs[0] ?? {}) as HealthObject;
}

/** The cases of `<root>/<key>/health_test.yaml`, with their inputs parsed. */
export function healthTestCases(root: string, key: string): HealthTestCase[] {
  const dir = join(root, key);
  const suite = parse(readFileSync(join(dir, 'health_test.yaml'), 'utf8')) as unknown;
  const tests = (field(suite, 'tests') ?? []) as unknown[];
  return tests.map((t) => {
    const health = field(t, 'healthStatus');
    const inputPath = String(field(t, 'inputPath'));
    let object: HealthObject = {};
    let parseError: string | undefined;
    try {
      object = goLikeYaml(readFileSync(join(dir, inputPath), 'utf8'));
    } catch (err) {
      parseError = (err as Error).message;
    }
    return {
      key,
      inputPath,
      status: String(field(health, 'status') ?? ''),
      message: String(field(health, 'message') ?? ''),
      object,
      ...(parseError ? { parseError } : {}),
    };
  });
}

/** The health.lua of `<root>/<key>`, unchanged. */
export function readScript(root: string, key: string): string {
  return readFileSync(join(root, key, 'health.lua'), 'utf8');
}
