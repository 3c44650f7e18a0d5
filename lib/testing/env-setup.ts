import { vi } from "vitest";

// Every test file (vitest.config.ts setupFiles): `env()` parses process.env on each call instead of
// once per process. Tests run the CLI and the app in-process with their own variables per test, and
// the cached parse would carry one test's variables into the next. Nothing else changes: parseEnv
// and its errors are the real ones.
vi.mock("@/lib/env", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/lib/env")>();
  return { ...actual, env: () => actual.parseEnv(process.env) };
});
