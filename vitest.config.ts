import { defineConfig } from 'vitest/config';

// LEGATO_TEST_REPORT=path also writes vitest's JSON report there (.ci/run reads its counts).
const report = process.env.LEGATO_TEST_REPORT;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    reporters: report ? ['default', 'json'] : ['default'],
    ...(report ? { outputFile: { json: report } } : {}),
  },
});
