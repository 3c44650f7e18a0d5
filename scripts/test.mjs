#!/usr/bin/env node
// `npm test`: installs what is missing (dependencies, Debian's Chromium and PgBouncer), then lint, typecheck,
// the import-cycle check, every Vitest file against a real PostgreSQL (DATABASE_URL, or an embedded
// server in data/postgres-test), a production build, the Playwright end-to-end tests, and one summary line.
// Only this and `npm run demo` may install (see ensure-install.mjs). The run fails when a Vitest
// file is missing from the report or did not finish, and when a `.only` is left in any test.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { ensureInstalled, root } from "./ensure-install.mjs";
import { summarizeVitestReport } from "./vitest-report.mjs";

ensureInstalled();
/** @param {string} name */
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };

/**
 * @param {string} name
 * @param {string} command
 * @param {string[]} args
 * @param {Record<string, string>} [extraEnv]
 */
function step(name, command, args, extraEnv = {}) {
  console.log(`\n▶ ${name}: ${path.basename(command)} ${args.join(" ")}`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env: { ...env, ...extraEnv } });
  const ok = result.status === 0;
  console.log(`${ok ? "✔" : "✘"} ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return ok;
}

const checks = [
  ["lint", step("lint", bin("biome"), ["check", "."])],
  ["typecheck", step("typecheck", bin("tsc"), ["--noEmit"])],
  // No import cycle among app, components, lib, db and scripts (.dependency-cruiser.cjs).
  ["cycles", step("cycles", process.execPath, [path.join(root, "scripts", "check-cycles.mjs")])],
];

/**
 * Debian's packages the tests run for real: installed when missing (apt-get update only when a
 * plain install cannot find them). Returns false when one could not be installed.
 * @param {{ pkg: string, binary: string }[]} wanted
 */
function ensureDebianPackages(wanted) {
  const missing = wanted.filter((w) => !existsSync(w.binary));
  if (missing.length === 0) return true;
  const names = missing.map((w) => w.pkg);
  console.log(`\n▶ installing ${names.join(", ")} (apt-get install)`);
  /** @param {string[]} args */
  const apt = (args) =>
    spawnSync("apt-get", args, { stdio: "inherit", env: { ...env, DEBIAN_FRONTEND: "noninteractive" } });
  if (apt(["install", "-y", "-qq", ...names]).status !== 0) {
    if (apt(["update", "-qq"]).status !== 0) return false;
    apt(["install", "-y", "-qq", ...names]);
  }
  return missing.every((w) => existsSync(w.binary));
}

// Chromium for Playwright (a downloaded browser cannot be had here); PgBouncer for the tests of
// the app behind a transaction-mode pooler (lib/testing/pgbouncer.ts).
const CHROMIUM = { pkg: "chromium", binary: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" };
const PGBOUNCER = { pkg: "pgbouncer", binary: process.env.PGBOUNCER_PATH ?? "/usr/sbin/pgbouncer" };
const pgbouncerOk = ensureDebianPackages([PGBOUNCER]);
if (!pgbouncerOk) console.log("pgbouncer: could not be installed; the pooled tests will fail");

const report = path.join(root, "test-results", "vitest.json");
mkdirSync(path.dirname(report), { recursive: true });
rmSync(report, { force: true });
const vitestOk = step("vitest", bin("vitest"), [
  "run",
  // A `.only` left behind would quietly skip every other test.
  "--allowOnly=false",
  "--reporter=default",
  "--reporter=./lib/testing/complete-run-reporter.ts",
  "--reporter=json",
  `--outputFile.json=${report}`,
]);

const e2eReport = path.join(root, "test-results", "playwright.json");
rmSync(e2eReport, { force: true });
const chromiumOk = ensureDebianPackages([CHROMIUM]);
// The typecheck above covered every file the build would check again.
const typecheckOk = checks.find(([name]) => name === "typecheck")?.[1] === true;
const buildOk =
  chromiumOk && step("build", bin("next"), ["build"], typecheckOk ? { X402_TYPECHECKED: "1" } : {});
const e2eOk = buildOk && step("e2e", bin("playwright"), ["test", "--forbid-only"]);

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(report)) {
  const summary = summarizeVitestReport(report);
  ({ passed, failed, skipped } = summary);
  for (const problem of summary.problems) console.log(`vitest: ${problem}`);
} else if (vitestOk) {
  console.log("vitest: no report was written");
  failed++;
}
if (!vitestOk && failed === 0) failed = 1;
let e2eFailures = 0;
if (existsSync(e2eReport)) {
  const stats = JSON.parse(readFileSync(e2eReport, "utf8")).stats ?? {};
  passed += (stats.expected ?? 0) + (stats.flaky ?? 0);
  e2eFailures = stats.unexpected ?? 0;
  failed += e2eFailures;
  skipped += stats.skipped ?? 0;
}
if (!chromiumOk) console.log("e2e: FAILED (Chromium could not be installed)");
if (chromiumOk && !buildOk) console.log("build: FAILED");
// A global-setup error fails the run without failing a single test: count it.
if (buildOk && !e2eOk && e2eFailures === 0) failed++;
if (!chromiumOk || !buildOk) failed++;
for (const [name, ok] of checks) {
  if (ok) passed++;
  else failed++;
  console.log(`${name}: ${ok ? "passed" : "FAILED"}`);
}
console.log(`\ntests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
