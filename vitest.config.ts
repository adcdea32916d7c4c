import { defineConfig } from 'vitest/config';

const include = [
  'libs/*/test/**/*.test.ts',
  'services/*/test/**/*.test.ts',
  'cli/test/**/*.test.ts',
  'bench/test/**/*.test.ts',
  'tests/**/*.test.ts',
];

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include,
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          // Limits, not expectations: a loaded 2-core machine can take seconds to start a worker.
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: include.map((p) => p.replace('*.test.ts', '*.int.test.ts')),
          globalSetup: ['libs/testing/src/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // Two cores: keep the servers each suite starts from starving each other.
          maxWorkers: 2,
          // Unit tests run first (group 0); integration after them.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
