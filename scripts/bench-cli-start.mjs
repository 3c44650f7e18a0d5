#!/usr/bin/env node
// The CLI's start time (docs/performance.md, "CLI start"): for `--help`, `ledger list --help`,
// `kill-switch status` and `wallet balance`, the median wall and CPU time (user + system, from
// /usr/bin/time) of 5 runs, against DATABASE_URL (migrated, with a console's wallet recorded for
// `wallet balance`). With --before <path/to/scripts/x402.mjs> (another checkout, such as
// `git archive c104d95 | tar -x -C /tmp/before` with node_modules linked), runs alternate with it.
//   node scripts/bench-cli-start.mjs [--before /tmp/before/scripts/x402.mjs] [--runs 5]
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const argv = process.argv.slice(2);
const flag = (/** @type {string} */ name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const after = path.join(path.dirname(fileURLToPath(import.meta.url)), "x402.mjs");
const before = flag("--before");
const runs = Number(flag("--runs") ?? 5);
const commands = [["--help"], ["ledger", "list", "--help"], ["kill-switch", "status"], ["wallet", "balance"]];

/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** @param {string} script @param {string[]} args */
function time(script, args) {
  const r = spawnSync("/usr/bin/time", ["-f", "TIME %e %U %S", process.execPath, script, ...args], {
    encoding: "utf8",
  });
  const m = /TIME (\S+) (\S+) (\S+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`x402 ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return { wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]) };
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
console.log(`load average at start: ${load()}`);
time(after, ["--help"]); // builds the bundle if a source changed: not a start to measure
for (const args of commands) {
  /** @type {{ wall: number; cpu: number }[]} */
  const b = [];
  /** @type {{ wall: number; cpu: number }[]} */
  const a = [];
  for (let i = 0; i < runs; i++) {
    if (before) b.push(time(before, args));
    a.push(time(after, args));
  }
  /** @param {{ wall: number; cpu: number }[]} xs @param {"wall" | "cpu"} k */
  const m = (xs, k) => median(xs.map((x) => x[k])).toFixed(2);
  const was = before ? `wall before ${m(b, "wall")} s, ` : "";
  const cpuWas = before ? `cpu before ${m(b, "cpu")} s, ` : "";
  console.log(`x402 ${args.join(" ")}: ${was}wall ${m(a, "wall")} s; ${cpuWas}cpu ${m(a, "cpu")} s`);
}
console.log(`load average at end: ${load()}`);
