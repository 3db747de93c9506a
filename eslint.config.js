// ESLint: typescript-eslint's strict, type-checked rules on every TypeScript file the project type-checks.
import eslint from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'test-artifacts/', 'bench/results/', 'python/', 'docs/'] },
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Numbers and booleans read naturally in messages; objects, undefined and null still need a decision.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    // The consumer fixture imports 'batchtune' by name; its own tsconfig resolves that only once dist/ is built.
    // Linted with the project's tsconfig, which maps the name to the sources, the result does not depend on a build.
    files: ['test/package/consumer/*.ts'],
    languageOptions: { parserOptions: { projectService: false, project: './tsconfig.json' } },
  },
  {
    // Plain JavaScript (the bin launcher, test fixtures that stand in for users' plugins) runs on Node.
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
);
