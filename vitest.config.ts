import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Registers the afterEach that closes every client and server a test opened, and, in the
    // student loop, the skip of tests that wait for an earlier TODO.
    setupFiles: ["test/helpers/cleanup.ts", "test/helpers/skip-later-todos.ts"],
    testTimeout: 15_000,
    hookTimeout: 20_000,
    // Timing tests (buffering through nginx, heartbeats) measure real milliseconds;
    // on a 2-core machine they stay honest when files do not compete for the CPU.
    fileParallelism: false,
    // The progress reporter records which labs pass, for the hub (`npm start`).
    reporters: ["default", "./tools/progress-reporter.ts"],
  },
});
