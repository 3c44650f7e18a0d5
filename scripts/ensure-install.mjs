#!/usr/bin/env node
// Whether node_modules matches the lock file, and (for `npm test` and `npm run demo` only) the
// install that makes it so. Plain JavaScript with no dependencies: it is what runs first on a
// fresh clone.
//
// Only the two top-level entry points may install: `npm ci` deletes node_modules first, so an
// install started by anything that runs while tests or a server use node_modules (the x402 CLI
// spawned by a test, a benchmark) would pull the floor from under them. Everything else calls
// checkInstalled(), which only says what to run.
//
//   node scripts/ensure-install.mjs           check only: exit 1 with what to run if stale
//   node scripts/ensure-install.mjs --install install when stale (what npm test and demo do)
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const marker = path.join(root, "node_modules", ".x402-installed");
const lockFile = path.join(root, "package-lock.json");

/** @param {string} line */
const stderrLine = (line) => {
  process.stderr.write(`${line}\n`);
};

/** What decides node_modules: the lock file and the dependency fields (not the scripts). */
function fingerprint() {
  const hash = createHash("sha256");
  const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  for (const field of ["dependencies", "devDependencies", "optionalDependencies", "overrides"]) {
    hash.update(JSON.stringify(pkg[field] ?? null));
  }
  if (existsSync(lockFile)) hash.update(readFileSync(lockFile));
  return hash.digest("hex");
}

/** True when the last install (its stamp in node_modules) matches package.json and the lock file. */
export function isInstalled() {
  return existsSync(marker) && readFileSync(marker, "utf8") === fingerprint();
}

/**
 * Checks only, never installs: when node_modules is missing or older than the lock file, says
 * what to run and exits with 1. For the CLI, the benchmarks and localnet.
 * @param {{ log?: (line: string) => void }} [options]
 */
export function checkInstalled({ log = stderrLine } = {}) {
  if (isInstalled()) return;
  const why = existsSync(path.join(root, "node_modules"))
    ? "node_modules does not match package-lock.json (or was not installed by npm ci / npm test)"
    : "node_modules is missing";
  log(`x402: ${why}.`);
  log(
    `Run \`${existsSync(lockFile) ? "npm ci --include=optional" : "npm install"}\` (or \`npm test\`, which installs first), then try again.`,
  );
  process.exit(1);
}

/**
 * Runs `npm ci` (or `npm install` without a lock file) unless the last install matches. Only
 * `npm test` and `npm run demo` call this.
 * @param {{ log?: (line: string) => void }} [options]
 */
export function ensureInstalled({ log = stderrLine } = {}) {
  if (isInstalled()) return;
  const want = fingerprint();
  const hasLock = existsSync(lockFile);
  // Optional dependencies carry native binaries (esbuild, anvil): never omit them.
  const args = hasLock
    ? ["ci", "--no-audit", "--no-fund", "--include=optional"]
    : ["install", "--no-audit", "--no-fund"];
  log(`Installing dependencies: npm ${args.join(" ")}`);
  const result = spawnSync("npm", args, { cwd: root, stdio: ["ignore", process.stderr, process.stderr] });
  if (result.status !== 0) {
    log(`npm ${args[0]} failed with exit code ${result.status}`);
    process.exit(result.status ?? 1);
  }
  writeFileSync(marker, want);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--install")) ensureInstalled();
  else checkInstalled();
}
