// Two projects: unit specs live beside the code; integration flows live in test/ and need the real stack.
const moduleNameMapper = {
  '^@hub/canonical(|/.*)$': '<rootDir>/libs/canonical/src$1',
  '^@hub/resilience(|/.*)$': '<rootDir>/libs/resilience/src$1',
  '^@hub/runtime(|/.*)$': '<rootDir>/libs/runtime/src$1',
  '^@hub/projection(|/.*)$': '<rootDir>/libs/projection/src$1',
  '^@hub/odoo(|/.*)$': '<rootDir>/libs/odoo/src$1',
  '^@hub/audit(|/.*)$': '<rootDir>/libs/audit/src$1',
};
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }] };
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: __dirname,
      roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/sandboxes', '<rootDir>/scripts'],
      testMatch: ['**/*.spec.ts'],
      moduleNameMapper,
      transform,
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      rootDir: __dirname,
      roots: ['<rootDir>/test/integration'],
      globalSetup: '<rootDir>/test/integration/support/global-setup.ts',
      testMatch: ['**/*.int-spec.ts'],
      moduleNameMapper,
      transform,
      setupFilesAfterEnv: ['<rootDir>/test/integration/support/jest-setup.ts'],
    },
  ],
};
