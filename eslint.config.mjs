// Lint rules, including the module boundaries from STYLE.md rule 2: apps import libs only,
// libs/canonical imports nothing from libs/resilience, and only adapters import vendor SDKs.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const otherApp = (app) =>
  ['ingress', 'odoo-cdc', 'projector-salesforce', 'projector-support']
    .filter((a) => a !== app)
    .flatMap((a) => [`**/apps/${a}/**`, `apps/${a}/**`]);

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', '.cache/**', '.stack/**', 'libs/canonical/src/generated/**', 'coverage/**'],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  ...['ingress', 'odoo-cdc', 'projector-salesforce', 'projector-support'].map((app) => ({
    files: [`apps/${app}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: otherApp(app),
              message: 'Apps never import another app: share through @hub/canonical or @hub/resilience.',
            },
            { group: ['**/libs/*/src/**', '../../libs/**'], message: 'Import libs through their @hub/* alias.' },
          ],
        },
      ],
    },
  })),
  {
    files: ['libs/canonical/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@hub/resilience', '@hub/resilience/*', '**/libs/resilience/**'],
              message: 'libs/canonical must not depend on libs/resilience.',
            },
            { group: ['**/apps/**'], message: 'Libraries never import apps.' },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/resilience/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/apps/**'], message: 'Libraries never import apps.' }] },
      ],
    },
  },
  {
    // Examples prove a team can join by subscribing alone: they use public clients, never the hub's code.
    files: ['examples/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@hub/*', '**/libs/**', '**/apps/**'],
              message: 'Examples stand alone: use kafkajs and the registry client, not the hub code.',
            },
          ],
        },
      ],
    },
  },
  {
    // Scripts, the demo and the sandboxes are command-line programs: printing is their job.
    files: ['scripts/**', 'test/sandboxes/**/main.ts', 'bench/**', 'examples/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
