import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { cacheDir, compiledCli } from "./cli-bundle.mjs";

/**
 * Issue 29: the compiled CLI is never stale. A tiny project laid out as this one (tsconfig.json,
 * lib/cli/main.ts exporting `run`) is compiled, changed, and compiled again.
 */

const repo = path.resolve(__dirname, "..");
const root = mkdtempSync(path.join(tmpdir(), "x402-cli-bundle-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(file: string, text: string) {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
}
write("tsconfig.json", JSON.stringify({ compilerOptions: { paths: { "@/*": ["./*"] } } }));
write(
  "lib/cli/main.ts",
  `import { answer } from "@/lib/answer";
export const where = import.meta.url;
export async function run(): Promise<number> { const { later } = await import("./later"); return answer + later; }`,
);
write("lib/answer.ts", "export const answer: number = 40;");
write("lib/cli/later.ts", "export const later: number = 2;");
symlinkSync(path.join(repo, "node_modules"), path.join(root, "node_modules"));

type Cli = { run: () => Promise<number>; where: string };
const current = () =>
  JSON.parse(readFileSync(path.join(cacheDir(root), "current.json"), "utf8")) as {
    key: string;
    inputs: string[];
  };

describe("the compiled CLI (scripts/cli-bundle.mjs)", () => {
  it("builds on first use, keys the bundle by its sources, and keeps import.meta.url the source's", async () => {
    const cli = (await compiledCli(root)) as unknown as Cli;
    expect(await cli.run()).toBe(42);
    expect(cli.where).toBe(pathToFileURL(path.join(root, "lib/cli/main.ts")).href);
    expect(current().inputs).toEqual(["lib/answer.ts", "lib/cli/later.ts", "lib/cli/main.ts"]);
  });

  it("reuses the bundle while nothing changed", async () => {
    const before = current().key;
    const built = statSync(path.join(cacheDir(root), before, "main.mjs")).mtimeMs;
    await compiledCli(root);
    expect(current().key).toBe(before);
    expect(statSync(path.join(cacheDir(root), before, "main.mjs")).mtimeMs).toBe(built);
  });

  it("rebuilds when any source changes, a lazily imported one included, and when tsconfig.json changes", async () => {
    const first = current().key;
    write("lib/cli/later.ts", "export const later: number = 3;");
    const changed = (await compiledCli(root)) as unknown as Cli;
    expect(await changed.run()).toBe(43);
    const second = current().key;
    expect(second).not.toBe(first);

    write("lib/answer.ts", "export const answer: number = 50;");
    expect(await ((await compiledCli(root)) as unknown as Cli).run()).toBe(53);

    write("tsconfig.json", JSON.stringify({ compilerOptions: { paths: { "@/*": ["./*"] } }, exclude: [] }));
    await compiledCli(root);
    expect(current().key).not.toBe(second);
  });
});
