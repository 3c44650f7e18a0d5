import { defineConfig } from "@playwright/test";

/**
 * End-to-end tests drive Debian's Chromium (never a downloaded browser) against a production
 * build of the console, a real PostgreSQL and the local payment network, all started by
 * e2e/global-setup.ts. `npm test` builds the app and installs Chromium first.
 */
export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/e2e",
  globalSetup: "./e2e/global-setup.ts",
  // A `.only` left in a spec would skip every other test: refused in CI and under `npm test`
  // (which also passes --forbid-only).
  forbidOnly: Boolean(process.env.CI) || process.env.npm_lifecycle_event === "test",
  // One worker: the specs share one console and database, and this machine has two cores.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // The bound on the whole run (the console's start included, which waits for health, not a clock).
  globalTimeout: 3_600_000,
  reporter: [["list"], ["json", { outputFile: "test-results/playwright.json" }]],
  // Every spec runs once at desktop size; the phone project adds only what is about phones: its
  // own checks, the screenshots and the menu's accessibility scan (the suite's time stays small).
  projects: [
    {
      name: "desktop",
      testIgnore: /(phone|treasury-rotate)\.spec\.ts$/,
      use: { viewport: { width: 1440, height: 900 } },
    },
    {
      name: "phone",
      testMatch: /(phone|every-page|a11y)\.spec\.ts$/,
      use: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
    },
    {
      // The payer-key rotation changes the payer for good (the old wallet is retired and emptied), so
      // it runs after every other spec has used the first payer. Alone: --project rotation --no-deps.
      name: "rotation",
      testMatch: /treasury-rotate\.spec\.ts$/,
      dependencies: ["desktop", "phone"],
      use: { viewport: { width: 1440, height: 900 } },
    },
  ],
  use: {
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
});
