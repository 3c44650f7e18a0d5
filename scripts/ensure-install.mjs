#!/usr/bin/env node
// Installs the project's dependencies when node_modules is missing or older than the lock file.
// Plain JavaScript with no dependencies: it is what runs first on a fresh clone.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const marker = path.join(root, "node_modules", ".x402-installed");

/** What decides node_modules: the lock file and the dependency fields (not the scripts). */
function fingerprint() {
  const hash = createHash("sha256");
  const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  for (const field of ["dependencies", "devDependencies", "optionalDependencies", "overrides"]) {
    hash.update(JSON.stringify(pkg[field] ?? null));
  }
  const lock = path.join(root, "package-lock.json");
  if (existsSync(lock)) hash.update(readFileSync(lock));
  return hash.digest("hex");
}

/** Runs `npm ci` (or `npm install` without a lock file) unless the last install matches. */
export function ensureInstalled({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const want = fingerprint();
  if (existsSync(marker) && readFileSync(marker, "utf8") === want) return;
  const hasLock = existsSync(path.join(root, "package-lock.json"));
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
  ensureInstalled();
}
