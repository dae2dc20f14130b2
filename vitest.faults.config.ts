import { defineConfig } from 'vitest/config';

/**
 * The fault suite (`npm run test:faults`): each case starts its own Redis and FerretDB on
 * free ports and the service as child processes, so cases run one at a time (two cores),
 * each bounded in time. Budget for the whole suite on CI: 4 minutes.
 */
export default defineConfig({
  test: {
    include: ['tests/faults/**/*.test.ts'],
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 120_000,
    hookTimeout: 60_000,
    globalSetup: ['tests/faults/global-setup.ts'],
  },
});
