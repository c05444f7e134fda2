import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'out/', 'node_modules/', '.vscode-test/', 'test-results/', '.sandbox/', '**/*.mjs', 'media/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // An async function without await is how an interface returning a Promise is met simply.
      '@typescript-eslint/require-await': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/sandbox/**', '**/test/**'], message: 'The extension never depends on the sandbox or tests.' }] }],
    },
  },
  // src/core may import only src/core: a relative path climbing out of it (as deep as the file sits)
  // reaches editor-facing code.
  ...[1, 2, 3, 4].map((depth) => {
    const up = '../'.repeat(depth);
    return {
      files: [`src/core/${'*/'.repeat(depth - 1)}*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            paths: [{ name: 'vscode', message: 'src/core is plain TypeScript: keep editor code in src/ outside core.' }],
            patterns: [
              { group: [`${up}**`, `!${up}core/**`], message: 'src/core must not import editor-facing modules.' },
              { group: ['**/sandbox/**', '**/test/**'], message: 'The extension never depends on the sandbox or tests.' },
            ],
          },
        ],
      },
    };
  }),
  {
    // The CLI's output is its interface; the extension itself logs through its LogOutputChannel.
    files: ['src/cli.ts', 'src/cli/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['test/**/*.ts', 'sandbox/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off', '@typescript-eslint/no-unsafe-member-access': 'off' },
  },
);
