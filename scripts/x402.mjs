#!/usr/bin/env node
// The `x402` command line (also `npm run x402 -- <command>`): checks that the dependencies are
// installed (it never installs: see ensure-install.mjs), then runs lib/cli/main.ts through tsx.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { checkInstalled, root } from "./ensure-install.mjs";

checkInstalled();
const { register } = await import("tsx/esm/api");
register({ tsconfig: path.join(root, "tsconfig.json") });
const { run } = await import(pathToFileURL(path.join(root, "lib/cli/main.ts")).href);
const code = await run(process.argv.slice(2));
process.stdout.write("", () => process.exit(code));
