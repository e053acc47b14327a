// @ts-check
// typescript-eslint's type-checked recommendations on every TypeScript file; formatting is
// Prettier's (npm run format), not the linter's.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'public/weights/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      // One tsconfig per world (README, "Developing"): a file is checked in the first world that
      // holds it, the browser's before Node's, so worker code is linted with the worker's types.
      parserOptions: {
        project: ['src/ui/worker/tsconfig.json', 'src/ui/page/tsconfig.json', 'bench/page/tsconfig.json', 'tsconfig.json', 'tests/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.browser, ...globals.node },
    },
    rules: {
      // Shapes and lists in error messages are meant to print as `1,3,224,224`.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowArray: true, allowBoolean: true }],
      // An async function without await is how a Promise-returning interface method reads best.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // Tests read the CLI's JSON output and golden JSON files, typed by their assertions.
    files: ['tests/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
