#!/usr/bin/env node
// `npm run demo`: installs what is missing, then runs scripts/demo.ts (database, migrations,
// demo history, build, console). Ctrl-C stops everything it started.
import { spawn } from "node:child_process";
import path from "node:path";
import { ensureInstalled, root } from "./ensure-install.mjs";

ensureInstalled();
// Node with tsx as a loader, not the tsx CLI: the CLI relays Ctrl-C to its child and SIGKILLs it
// when the child does not acknowledge within 30 ms, which cut the demo's shutdown short (anvil
// never got to save the chain). Here the demo's own handler runs its whole shutdown.
const child = spawn(
  process.execPath,
  ["--import", "tsx", path.join(root, "scripts", "demo.ts"), ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  },
);
for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"]))
  process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
