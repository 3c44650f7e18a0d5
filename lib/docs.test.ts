import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "@/lib/cli/main";

/**
 * Issue 26 item 5: the README and docs/ stay honest. Every relative link resolves (to a file, and a
 * #fragment to a heading of it), every variable lib/env.ts validates is in docs/configuration.md,
 * every `x402` command is in docs/cli.md and every route handler under app/api in docs/http-api.md.
 * Each check lists what is missing, so a failure names the variable, command, route or link.
 */

const root = path.resolve(__dirname, "..");
const read = (relative: string) => readFileSync(path.join(root, relative), "utf8");
const markdownFiles = [
  "README.md",
  ...readdirSync(path.join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];

/** Markdown without fenced code blocks and inline code, where a `[x](y)` is not a link. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** GitHub's anchors for a file's headings: lower case, punctuation dropped, spaces to hyphens, repeats -1, -2. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  for (const match of withoutFences.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = (match[1] ?? "").replace(/\[([^\]]*)\]\([^)]*\)/g, "$1");
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

function brokenLinks(file: string): string[] {
  const broken: string[] = [];
  for (const match of prose(read(file)).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = match[1] ?? "";
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: …
    const [filePart = "", fragment] = target.split("#", 2);
    const resolved = filePart === "" ? file : path.join(path.dirname(file), decodeURIComponent(filePart));
    const absolute = path.join(root, resolved);
    if (!existsSync(absolute)) {
      broken.push(`${file}: ${target} (no file ${resolved})`);
      continue;
    }
    if (fragment && statSync(absolute).isFile() && resolved.endsWith(".md")) {
      if (!headingAnchors(read(resolved)).has(fragment.toLowerCase())) {
        broken.push(`${file}: ${target} (no heading #${fragment} in ${resolved})`);
      }
    }
  }
  return broken;
}

/** The variables of lib/env.ts's schema: the keys of `const schema = z.object({ … });`. */
function envVariables(): string[] {
  const source = read("lib/env.ts");
  const start = source.indexOf("const schema = z.object({");
  const end = source.indexOf("\n});", start);
  expect(start, "lib/env.ts has no `const schema = z.object({`").toBeGreaterThan(-1);
  const names = [...source.slice(start, end).matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1] ?? "");
  return names;
}

/** Every leaf command of the `x402` program, as its words ("ledger import"), walked as the CLI tests do. */
async function cliCommands(): Promise<string[]> {
  const program = await buildProgram({ stdout: () => {}, stderr: () => {} });
  const found: string[] = [];
  const walk = (cmd: Command, names: string[]) => {
    if (names.length > 0) found.push(names.join(" "));
    for (const sub of cmd.commands) walk(sub, [...names, sub.name()]);
  };
  walk(program, []);
  return found;
}

/** Every route handler under app/api as its URL path: [id] is <id>, [...rest] is *. */
function apiRoutes(): string[] {
  const routes: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const relative = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(relative);
      else if (entry.name === "route.ts") {
        routes.push(
          `/${dir
            .replace(/^app\//, "")
            .split("/")
            .filter((segment) => !/^\(.*\)$/.test(segment))
            .map((segment) => segment.replace(/^\[\.\.\.[^\]]+\]$/, "*").replace(/^\[([^\]]+)\]$/, "<$1>"))
            .join("/")}`,
        );
      }
    }
  };
  walk("app/api");
  return routes;
}

describe("README and docs/", () => {
  it("the README fits on a screen or two: at most 250 lines", () => {
    expect(read("README.md").split("\n").length).toBeLessThanOrEqual(250);
  });

  it("every relative link resolves to a file, and every #fragment to a heading", () => {
    expect(markdownFiles).toContain("docs/operations.md");
    expect(markdownFiles.flatMap(brokenLinks)).toEqual([]);
  });

  it("every variable lib/env.ts reads is documented in docs/configuration.md", () => {
    const variables = envVariables();
    expect(variables).toContain("DATABASE_URL");
    expect(variables.length).toBeGreaterThan(20);
    const doc = read("docs/configuration.md");
    expect(variables.filter((name) => !new RegExp(`\\b${name}\\b`).test(doc))).toEqual([]);
    // The per-agent limits are one pattern, not a schema key.
    expect(doc).toContain("X402_{AGENT}_");
  });

  it("every x402 command is documented in docs/cli.md", async () => {
    const commands = await cliCommands();
    expect(commands).toContain("ledger import");
    const doc = read("docs/cli.md");
    const documented = (command: string) =>
      new RegExp(`\`(x402 )?${command.replace(/[-]/g, "\\-")}(\`| )`).test(doc);
    expect(commands.filter((command) => !documented(command))).toEqual([]);
  });

  it("every route under app/api is documented in docs/http-api.md", () => {
    const routes = apiRoutes();
    expect(routes).toContain("/api/v1/payments");
    const doc = read("docs/http-api.md");
    expect(routes.filter((route) => !doc.includes(`${route}\``) && !doc.includes(`${route} `))).toEqual([]);
  });
});
