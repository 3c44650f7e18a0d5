// Which modules `x402 <argv>` loads before its command runs: builds the program for argv from the
// sources (through tsx, as X402_CLI_TSX=1 runs them) and prints, as JSON, every module URL the
// loader resolved on the way. A resolve hook appends each URL to a file synchronously, so the list
// is complete when the import returns (no waiting). Used by lib/cli/lazy.test.ts.
//   node lib/testing/cli-imports.mjs -- <argv...>
import { mkdtempSync, readFileSync } from "node:fs";
import { register } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const file = path.join(mkdtempSync(path.join(tmpdir(), "x402-imports-")), "urls");
const hooks = `
import { appendFileSync } from "node:fs";
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(file, result.url + "\\n");
  return result;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { file } });
const { register: tsx } = await import("tsx/esm/api");
tsx({ tsconfig: path.join(root, "tsconfig.json") });
const argv = process.argv.slice(process.argv.indexOf("--") + 1);
const { programFor } = await import(pathToFileURL(path.join(root, "lib/cli/main.ts")).href);
const program = await programFor(argv, { stdout: () => {}, stderr: () => {} });
program.helpInformation();
const urls = [...new Set(readFileSync(file, "utf8").split("\n").filter(Boolean))];
process.stdout.write(JSON.stringify(urls));
