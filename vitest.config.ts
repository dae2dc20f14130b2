import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/.git/**', 'tests/faults/**'],
    // Integration tests share one Redis and one MongoDB-compatible server; each test
    // uses its own database and queue names, but files run one at a time to keep
    // FerretDB's SQLite backend from contending on two cores.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
