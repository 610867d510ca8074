import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Generous: a PGlite database takes seconds to open on a busy 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Each test file gets its own database, so files can run side by side.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
