#!/usr/bin/env node
// The `x402` command line (also `npm run x402 -- <command>`): checks that the dependencies are
// installed (it never installs: see ensure-install.mjs), then runs lib/cli/main.ts compiled
// (scripts/cli-bundle.mjs: built when its sources changed, else loaded from .cache/x402-cli), or
// through tsx when it cannot be compiled or X402_CLI_TSX=1.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { compiledCli } from "./cli-bundle.mjs";
import { checkInstalled, root } from "./ensure-install.mjs";

// A reader that stops early (`x402 ledger export | head -2`) closes the pipe: the output ends
// there, quietly, as with any Unix tool. Writes after that fail quietly (`ledger export` stops
// streaming), and the command's own exit code stands.
let stdoutClosed = false;
process.stdout.on("error", (error) => {
  if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
  stdoutClosed = true;
});

checkInstalled();
async function fromSources() {
  const { register } = await import("tsx/esm/api");
  register({ tsconfig: path.join(root, "tsconfig.json") });
  return import(pathToFileURL(path.join(root, "lib/cli/main.ts")).href);
}
const { run } = (process.env.X402_CLI_TSX !== "1" && (await compiledCli(root))) || (await fromSources());
const code = await run(process.argv.slice(2));
if (stdoutClosed) process.exit(code);
else process.stdout.write("", () => process.exit(code));
