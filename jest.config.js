// Jest runs in native ESM mode (NestJS 12 is ESM-only): see DESIGN.md "Toolchain".
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testEnvironment: 'node',
};

export default {
  // globalSetup/globalTeardown are TypeScript too.
  transform: common.transform,
  extensionsToTreatAsEsm: common.extensionsToTreatAsEsm,
  moduleNameMapper: common.moduleNameMapper,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
    },
  ],
  globalSetup: '<rootDir>/test/global-setup.js',
  globalTeardown: '<rootDir>/test/global-teardown.js',
  maxWorkers: 2,
  // A hook or test that takes this long is stuck, not slow: the limit is generous because machines here are shared
  // and a busy one stretches app start-up several times over. No test asserts wall-clock speed.
  testTimeout: 120000,
};
