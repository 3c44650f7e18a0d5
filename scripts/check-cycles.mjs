#!/usr/bin/env node
// `npm run check:cycles`: dependency-cruiser's no-circular rule (.dependency-cruiser.cjs) over app,
// components, lib, db and scripts; prints each cycle and exits 1 when there is one.
//
// Through dependency-cruiser's API (17.x, the line that supports Node 20 like package.json's
// engines), so the check prints its own time.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cruise } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

const started = Date.now();
const options = await extractDepcruiseOptions(path.join(root, ".dependency-cruiser.cjs"));
const tsConfig = extractTSConfig(path.join(root, "tsconfig.json"));
const result = await cruise(
  ["app", "components", "lib", "db", "scripts"],
  { ...options, validate: true, outputType: "err" },
  undefined,
  { tsConfig },
);
const output = typeof result.output === "string" ? result.output : JSON.stringify(result.output);
process.stdout.write(output.trim() ? `${output.trim()}\n` : "");
console.log(`cycle check: ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(result.exitCode === 0 ? 0 : 1);
