#!/usr/bin/env node
// Every page's first-load JavaScript, gzipped, from the production build in .next (run after
// `next build`): the scripts the browser fetches before the page is interactive. Exits 1 when a
// page passes the budget (200 KB, or --budget-kb N), 2 when there is no build to read.
//
// A page's first-load scripts are the build's root main files (the framework and runtime, every
// page's), every chunk its client reference manifest lists as an entry for the page, its layouts
// and its error and not-found boundaries, and every chunk of a `next/dynamic` component in its
// code (the route's react-loadable-manifest): next/dynamic preloads those in the server's HTML
// (<link rel=preload as=script>), even with ssr:false, so they download with the page. Only a
// plain import() (React.lazy, a click handler) loads after the page. The nomodule polyfill is
// left out (modern browsers never fetch it). Sizes are gzip level 9, in KB of 1,000 bytes.
//
//   node scripts/first-load-js.mjs [--dir .next] [--budget-kb 200] [--json]
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { runInNewContext } from "node:vm";
import { gzipSync } from "node:zlib";

const args = process.argv.slice(2);
/** @param {string} name @param {string} fallback @returns {string} */
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return (i >= 0 ? args[i + 1] : undefined) ?? fallback;
};
const dir = path.resolve(option("--dir", ".next"));
const budgetKb = Number(option("--budget-kb", "200"));
const json = args.includes("--json");

const buildManifest = path.join(dir, "build-manifest.json");
if (!existsSync(buildManifest)) {
  console.error(`first-load-js: no build in ${dir} (run next build first)`);
  process.exit(2);
}
/** @type {{ rootMainFiles: string[] }} */
const { rootMainFiles } = JSON.parse(readFileSync(buildManifest, "utf8"));

/** @type {Map<string, number>} */
const gzipped = new Map();
/** @param {string} file a path under .next ("static/chunks/x.js") */
function gzSize(file) {
  let size = gzipped.get(file);
  if (size === undefined) {
    size = gzipSync(readFileSync(path.join(dir, file)), { level: 9 }).length;
    gzipped.set(file, size);
  }
  return size;
}

/** @param {string} at @returns {string[]} */
function manifests(at) {
  return readdirSync(at, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(at, entry.name);
    if (entry.isDirectory()) return manifests(full);
    return entry.name === "page_client-reference-manifest.js" ? [full] : [];
  });
}

/** "/(console)/agents/[id]/page" -> "/agents/[id]"; route groups dropped. @param {string} key */
function routeOf(key) {
  const route = key
    .replace(/\/page$/, "")
    .split("/")
    .filter((/** @type {string} */ part) => !/^\(.*\)$/.test(part))
    .join("/");
  return route === "" ? "/" : route === "/_not-found" ? "/_not-found (404)" : route;
}

const appDir = path.join(dir, "server", "app");
/** @type {{ route: string, kb: number, files: number }[]} */
const rows = [];
for (const file of manifests(appDir)) {
  /** @type {{ globalThis?: unknown, __RSC_MANIFEST?: Record<string, { entryJSFiles?: Record<string, string[]> }> }} */
  const sandbox = {};
  sandbox.globalThis = sandbox;
  runInNewContext(readFileSync(file, "utf8"), sandbox);
  for (const [key, manifest] of Object.entries(sandbox.__RSC_MANIFEST ?? {})) {
    if (key.startsWith("/_global-error")) continue;
    const files = new Set(rootMainFiles);
    for (const chunks of Object.values(manifest.entryJSFiles ?? {})) {
      for (const chunk of chunks) if (chunk.endsWith(".js")) files.add(chunk);
    }
    // The route's next/dynamic chunks, preloaded with the page (see the top of this file).
    const loadable = path.join(path.dirname(file), "page", "react-loadable-manifest.json");
    if (existsSync(loadable)) {
      /** @type {Record<string, { files?: string[] }>} */
      const entries = JSON.parse(readFileSync(loadable, "utf8"));
      for (const entry of Object.values(entries)) {
        for (const chunk of entry.files ?? []) if (chunk.endsWith(".js")) files.add(chunk);
      }
    }
    const bytes = [...files].reduce((sum, f) => sum + gzSize(f), 0);
    rows.push({ route: routeOf(key), kb: Math.round(bytes / 100) / 10, files: files.size });
  }
}
rows.sort((a, b) => a.route.localeCompare(b.route));
const over = rows.filter((r) => r.kb > budgetKb);

if (json) {
  console.log(JSON.stringify({ budgetKb, rows, over: over.map((r) => r.route) }, null, 2));
} else {
  const width = Math.max(...rows.map((r) => r.route.length), 5);
  console.log(`${"route".padEnd(width)}  first-load JS (gzip)  scripts`);
  for (const r of rows) {
    const flag = r.kb > budgetKb ? `  OVER ${budgetKb} KB` : "";
    console.log(
      `${r.route.padEnd(width)}  ${`${r.kb.toFixed(1)} KB`.padStart(20)}  ${String(r.files).padStart(7)}${flag}`,
    );
  }
  console.log(
    over.length === 0
      ? `every page is under ${budgetKb} KB`
      : `${over.length} page${over.length === 1 ? "" : "s"} over ${budgetKb} KB: ${over.map((r) => r.route).join(", ")}`,
  );
}
if (rows.length === 0) {
  console.error(`first-load-js: no page manifests under ${appDir}`);
  process.exit(2);
}
process.exit(over.length === 0 ? 0 : 1);
