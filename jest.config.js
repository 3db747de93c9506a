/** Jest runs the TypeScript sources as ES modules through @swc/jest. */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { target: 'es2022', parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true } },
        module: { type: 'es6' },
      },
    ],
  },
  // The package by name (examples, test plugins) is its sources here, as tsconfig.json's paths say.
  moduleNameMapper: { '^batchtune$': '<rootDir>/index.ts' },
  transformIgnorePatterns: ['/node_modules/(?!(inversify|@inversifyjs)/)'],
  testTimeout: 60000,
  // Builds dist/ when the sources changed: tests that spawn bin/batchtune.js run the compiled CLI.
  globalSetup: '<rootDir>/test/build-dist.js',
};
