#!/usr/bin/env node
// Reads Vitest's JSON report and says whether the run covered every test file. A worker that
// dies (killed, out of memory, node_modules pulled away) takes its file's tests with it: Vitest
// lists them as "pending" (a skipped test is "skipped") or leaves the file out altogether.
//
//   node scripts/vitest-report.mjs REPORT [FILE...]   exit 1 when FILEs (default: every
//                                                       *.test.ts under lib, db, app, scripts) are missing
//                                                       from REPORT, did not finish, or failed
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * @typedef {{ status: string, fullName: string }} JsonAssertion
 * @typedef {{ name: string, status: string, message?: string, assertionResults: JsonAssertion[] }} JsonFile
 */

/**
 * Every Vitest file on disk, as vitest.config.ts includes them (*.test.ts under lib, db, app, scripts).
 * @param {string} [dir]
 * @returns {string[]}
 */
export function vitestFiles(dir) {
  if (dir === undefined)
    return ["lib", "db", "app", "scripts"].flatMap((d) => vitestFiles(path.join(root, d)));
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : vitestFiles(full);
    return entry.name.endsWith(".test.ts") ? [full] : [];
  });
}

/**
 * Counts from the report, with every file that is missing or unfinished counted as a failure.
 * @param {string} reportFile
 * @param {string[]} [expected] absolute paths of the files the run had to cover
 */
export function summarizeVitestReport(reportFile, expected = vitestFiles()) {
  const results = JSON.parse(readFileSync(reportFile, "utf8"));
  /** @type {JsonFile[]} */
  const files = results.testResults ?? [];
  /** @type {string[]} */
  const problems = [];
  const rel = (/** @type {string} */ file) => path.relative(root, file);
  const passed = results.numPassedTests ?? 0;
  let failed = results.numFailedTests ?? 0;
  const unfinished = files.flatMap((f) => f.assertionResults.filter((a) => a.status === "pending"));
  const skipped = (results.numPendingTests ?? 0) - unfinished.length + (results.numTodoTests ?? 0);
  for (const f of files) {
    const left = f.assertionResults.filter((a) => a.status === "pending");
    if (left.length > 0) {
      problems.push(
        `${rel(f.name)} did not finish (its worker died?): ${left.map((a) => a.fullName).join("; ")}`,
      );
      failed += left.length;
    } else if (f.status === "failed" && f.assertionResults.length === 0) {
      // A file that failed to load has no tests to count: count it as a failure.
      problems.push(`${rel(f.name)} failed to load: ${(f.message ?? "").split("\n")[0]}`);
      failed++;
    }
  }
  const reported = new Set(files.map((f) => path.resolve(f.name)));
  for (const file of expected.filter((f) => !reported.has(path.resolve(f)))) {
    problems.push(`${rel(file)} is missing from the report`);
    failed++;
  }
  return { passed, failed, skipped, problems };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [reportFile, ...only] = process.argv.slice(2);
  if (!reportFile) {
    console.error("usage: node scripts/vitest-report.mjs REPORT [FILE...]");
    process.exit(2);
  }
  const summary = summarizeVitestReport(
    reportFile,
    only.length > 0 ? only.map((f) => path.resolve(f)) : undefined,
  );
  for (const problem of summary.problems) console.log(`vitest: ${problem}`);
  console.log(`${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`);
  process.exit(summary.failed === 0 ? 0 : 1);
}
