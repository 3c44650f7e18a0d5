import type { Reporter, SerializedError, TestModule } from "vitest/node";

/**
 * Fails the run when it did not run everything. Vitest 4 prints "Worker exited unexpectedly"
 * when a fork dies (killed, out of memory, node_modules pulled away) but still exits 0, with the
 * dead file's unfinished tests counted as pending and the file as passed. Here any unhandled
 * error, any file that did not finish, and any test that started and never ended set exit code 1.
 */
export default class CompleteRunReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>) {
    const problems: string[] = [];
    for (const error of unhandledErrors) {
      problems.push(`unhandled error: ${error.message ?? String(error)}`);
    }
    for (const module of testModules) {
      const state = module.state();
      if (state !== "passed" && state !== "failed" && state !== "skipped") {
        problems.push(`${module.relativeModuleId}: did not finish (${state})`);
      }
      for (const test of module.children.allTests("pending")) {
        problems.push(`${module.relativeModuleId}: "${test.fullName}" never finished`);
      }
    }
    if (problems.length === 0) return;
    process.exitCode = 1;
    process.stderr.write(
      `\nThe test run is incomplete, so it fails:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`,
    );
  }
}
