// Lint rules that keep the layering honest: no floating promises, no import
// cycles, and Nx module boundaries between contracts, pure logic, adapters,
// services and apps.
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '.flotilla/**',
      '.nx/**',
      '**/testdata/**',
      'bench/results/**',
      '**/*.mjs',
      'eslint.config.js',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { import: importPlugin, '@nx': nx },
    settings: {
      'import/resolver': { node: true },
      'import/parsers': { '@typescript-eslint/parser': ['.ts'] },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      'import/no-cycle': ['error', { maxDepth: 10 }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          banTransitiveDependencies: false,
          depConstraints: [
            { sourceTag: 'layer:contracts', onlyDependOnLibsWithTags: ['layer:contracts'] },
            {
              sourceTag: 'layer:core',
              onlyDependOnLibsWithTags: ['layer:contracts', 'layer:core'],
            },
            {
              sourceTag: 'layer:adapter',
              onlyDependOnLibsWithTags: ['layer:contracts', 'layer:core', 'layer:adapter'],
            },
            {
              sourceTag: 'layer:testing',
              onlyDependOnLibsWithTags: ['layer:contracts', 'layer:core', 'layer:adapter'],
            },
            {
              sourceTag: 'layer:service',
              onlyDependOnLibsWithTags: [
                'layer:contracts',
                'layer:core',
                'layer:adapter',
                'layer:testing',
              ],
            },
            {
              sourceTag: 'layer:app',
              onlyDependOnLibsWithTags: [
                'layer:contracts',
                'layer:core',
                'layer:adapter',
                'layer:service',
                'layer:testing',
              ],
            },
          ],
        },
      ],
    },
  },
  {
    // Tests of any library may use the real-server harness.
    files: ['**/test/**/*.ts', 'tests/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          banTransitiveDependencies: false,
          depConstraints: [{ sourceTag: '*', onlyDependOnLibsWithTags: ['*'] }],
        },
      ],
    },
  },
  prettier,
);
