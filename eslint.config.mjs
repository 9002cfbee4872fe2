// Lint rules, including the module boundaries from STYLE.md rule 2: apps import libs only,
// libs/canonical imports nothing from libs/resilience, and only adapters import vendor SDKs.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const otherApp = (app) =>
  ['ingress', 'odoo-cdc', 'projector-salesforce', 'projector-support', 'projector-odoo', 'console']
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
  ...['ingress', 'odoo-cdc', 'projector-salesforce', 'projector-support', 'projector-odoo', 'console'].map((app) => ({
    files: [`apps/${app}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: otherApp(app),
              message: 'Apps never import another app: share through the @hub/* libs.',
            },
            { group: ['**/libs/*/src/**', '../../libs/**'], message: 'Import libs through their @hub/* alias.' },
            ...(app === 'console'
              ? [
                  {
                    group: [
                      '@hub/canonical',
                      '@hub/resilience',
                      '@hub/projection',
                      '@hub/odoo',
                      '@hub/audit',
                      'kafkajs',
                      'pg',
                    ],
                    message: "The console reads and acts through the apps' HTTP APIs only (docs/architecture.md).",
                  },
                ]
              : []),
          ],
        },
      ],
    },
  })),
  // Between libs: projection -> resilience -> runtime; canonical stands alone; no lib imports an app.
  ...[
    ['canonical', ['runtime', 'resilience', 'projection', 'odoo', 'audit']],
    ['runtime', ['resilience', 'projection', 'odoo', 'audit']],
    ['resilience', ['projection', 'odoo', 'audit']],
    ['projection', ['odoo', 'audit']],
    ['odoo', ['projection', 'canonical', 'audit']],
    // The audit trail stands on runtime only: the engine and the runner reach it through ports the apps fill.
    ['audit', ['canonical', 'resilience', 'projection', 'odoo']],
  ].map(([lib, forbidden]) => ({
    files: [`libs/${lib}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...forbidden.map((other) => ({
              group: [`@hub/${other}`, `@hub/${other}/*`, `**/libs/${other}/**`],
              message: `libs/${lib} must not depend on libs/${other} (projection and odoo -> resilience -> runtime; canonical stands alone).`,
            })),
            { group: ['**/apps/**'], message: 'Libraries never import apps.' },
          ],
        },
      ],
    },
  })),
  {
    // A fake that shares the hub's code agrees with the hub by construction and proves nothing.
    files: ['sandboxes/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@hub/*', '**/libs/**', '**/apps/**', '**/test/**'],
              message: 'Sandboxes stand alone: they import nothing from apps/, libs/ or test/.',
            },
          ],
        },
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
    files: ['scripts/**', 'sandboxes/**/main.ts', 'bench/**', 'examples/**'],
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
