import type { CodegenConfig } from '@graphql-codegen/cli';

// Types for every graphql() document in src/, from the Go server's schema files.
// Output is committed; CI regenerates it and fails on any difference, so keep
// this deterministic (no timestamps, no environment-dependent paths).
const config: CodegenConfig = {
  schema: '../graph/*.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/graphql/generated/**'],
  ignoreNoDocuments: false,
  generates: {
    'src/graphql/generated/': {
      preset: 'client',
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        onlyOperationTypes: true,
        scalars: {
          Cursor: 'string',
          // entgql's Time is RFC 3339 text on the wire.
          Time: 'string',
        },
      },
    },
  },
};

export default config;
