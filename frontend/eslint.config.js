import { readdirSync } from 'node:fs';

import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import reactRefresh from 'eslint-plugin-react-refresh';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Features do not import each other (STYLE.md): what two features share moves to src/lib,
// src/hooks or src/components, and that shared code imports no feature (else a feature could
// reach another through it). One block per feature, as the rule's patterns name the feature.
const FEATURES = readdirSync(new URL('./src/features', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

function featureBoundary(feature) {
  const others = FEATURES.filter((name) => name !== feature).join('|');
  const message = `src/features/${feature} may not import another feature: move what they share to src/lib, src/hooks or src/components.`;
  return {
    files: [`src/features/${feature}/**/*.{ts,tsx}`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            // Its own index too (`@/features/${feature}`): imported from inside, it would be a cycle.
            { regex: `^@/features/(?!${feature}/)`, message },
            { regex: `^(\\.\\./)+(features/)?(${others})(/|$)`, message },
          ],
        },
      ],
    },
  };
}

export default defineConfig([
  globalIgnores(['dist', 'coverage', 'node_modules']),
  {
    files: ['**/*.{ts,tsx}'],
    extends: [
      js.configs.recommended,
      tseslint.configs.recommendedTypeChecked,
      reactHooks.configs.flat.recommended,
      reactRefresh.configs.vite,
    ],
    languageOptions: {
      ecmaVersion: 2022,
      globals: globals.browser,
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  ...FEATURES.map(featureBoundary),
  {
    files: ['src/{components,hooks,lib,testing,types}/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(@/|(\\.\\./)+)features(/|$)',
              message: 'Shared code imports no feature: features import it, not the other way round.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['vite.config.ts'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
]);
