// ESLint flat config: typescript-eslint's strict and stylistic type-checked presets for the sources,
// tests and example app, and eslint-plugin-regexp with its super-linear backtracking checks as errors
// (a regex that backtracks on attacker-controlled text — a header, a query, an API answer — is a DoS).
import js from '@eslint/js';
import regexp from 'eslint-plugin-regexp';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'docs/api/', 'coverage/', 'test-results.json', 'test/bench/.run.bundle.mjs', '.tmp/'] },
  js.configs.recommended,
  regexp.configs['flat/recommended'],
  {
    rules: {
      'regexp/no-super-linear-backtracking': 'error',
      'regexp/no-super-linear-move': 'error',
      // Alphabets are written as their specs write them (base64url `[A-Za-z0-9_-]`, hex `[0-9a-f]`).
      'regexp/prefer-w': 'off',
      'regexp/use-ignore-case': 'off',
    },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.strictTypeChecked, tseslint.configs.stylisticTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Kept on deliberately (they are in the presets; listed so that nobody turns them off in passing).
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Numbers and booleans in messages and HTML are intended (`${port}`, `${count} items`).
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `_unused` parameters keep callback signatures readable (passport's `(req, res, next)` shapes).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `return next(error)` and `(err) => done(err)` end a handler by a void call on purpose (Express and passport style).
      '@typescript-eslint/no-confusing-void-expression': 'off',
      // Options and inputs are re-checked at run time for JavaScript callers, which the types say cannot happen.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // Async methods that fulfil a Promise-returning contract (stores, fetch stand-ins) turn throws into rejections.
      '@typescript-eslint/require-await': 'off',
      // `as T` after a check reads better than a bare `!`, which no-non-null-assertion refuses in sources.
      '@typescript-eslint/non-nullable-type-assertion-style': 'off',
      // An abort's `signal.reason` and a Node callback's error are passed on as they came.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // `() => {}` is the no-op logger or listener a test or a default passes on purpose.
      '@typescript-eslint/no-empty-function': ['error', { allow: ['arrowFunctions'] }],
      // `T[]` for simple element types, `Array<Promise<T>>` for the rest.
      '@typescript-eslint/array-type': ['error', { default: 'array-simple' }],
      // Option objects are interfaces or type literals as each file reads best.
      '@typescript-eslint/consistent-type-definitions': 'off',
      // Keys of index signatures are read with brackets (`req.query['scope']`, `env['PORT']`) so that they stand out from declared properties.
      '@typescript-eslint/dot-notation': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // Scripts served to the browser (plain ES5-style files with no build step).
    files: ['example-app/public/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser } },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests reach into answers with `!` after asserting their shape; a failed lookup fails the test anyway.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
