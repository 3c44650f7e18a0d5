import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "@": fileURLToPath(new URL(".", import.meta.url)),
      // Tests are not a client bundle: the marker that keeps lib/dal, lib/auth and lib/actions
      // out of the browser resolves to its server build (empty), as Next does for server code.
      "server-only": fileURLToPath(new URL("./node_modules/server-only/empty.js", import.meta.url)),
    },
  },
  test: {
    include: ["lib/**/*.test.ts", "db/**/*.test.ts", "app/**/*.test.ts", "scripts/**/*.test.ts"],
    globalSetup: ["./lib/testing/global-setup.ts"],
    // env() parses process.env on every call in tests (in-process CLI and app runs set their own).
    setupFiles: ["./lib/testing/env-setup.ts"],
    // A worker that dies must fail the run (Vitest alone reports it and exits 0).
    reporters: ["default", "./lib/testing/complete-run-reporter.ts"],
    // Each file gets its own database cloned from a migrated template, so files run in parallel.
    pool: "forks",
    maxWorkers: 3,
    // Bounds for a hang, not for speed: a 20 s test took 34 s with both cores busy elsewhere, and
    // CI's machine is at times twice as slow again.
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
