import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Registers the afterEach that closes every client and server a test opened.
    setupFiles: ["test/helpers/cleanup.ts"],
    testTimeout: 15_000,
    hookTimeout: 20_000,
    // Timing tests (buffering through nginx, heartbeats) measure real milliseconds;
    // on a 2-core machine they stay honest when files do not compete for the CPU.
    fileParallelism: false,
    // The progress reporter records which labs pass, for the hub (`npm start`).
    reporters: ["default", "./tools/progress-reporter.ts"],
  },
});
