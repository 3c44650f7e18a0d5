import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { metadata } from "./layout";
import LandingPage from "./page";

const appDir = import.meta.dirname;

/** The route folders of a URL path, route groups such as (console) being invisible in URLs. */
function routeExists(urlPath: string): boolean {
  const segments = urlPath.split("/").filter(Boolean);
  const search = (dir: string, rest: string[]): boolean => {
    const dirs = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory());
    const groups = dirs.filter((d) => /^\(.+\)$/.test(d.name)).map((d) => path.join(dir, d.name));
    if (rest.length === 0) {
      const here = ["page.tsx", "route.ts"].some((f) => existsSync(path.join(dir, f)));
      return here || groups.some((g) => search(g, rest));
    }
    const [head, ...tail] = rest;
    const next = dirs.find((d) => d.name === head);
    return (next ? search(path.join(dir, next.name), tail) : false) || groups.some((g) => search(g, rest));
  };
  return search(appDir, segments);
}

const html = renderToStaticMarkup(createElement(LandingPage));
const text = (fragment: string) =>
  fragment
    .replace(/<[^>]+>/g, "")
    .replaceAll("&#x27;", "'")
    .trim();

describe("the landing page says only what the console does", () => {
  it("names each capability with a link to the page that does it, and every link's page exists", () => {
    const features = [...html.matchAll(/<dt[^>]*>(.*?)<\/dt>/g)].map((m) => ({
      name: text(m[1] as string),
      href: /href="([^"]+)"/.exec(m[1] as string)?.[1],
    }));
    expect(features.map((f) => f.name)).toEqual([
      "Budgets",
      "Ledger",
      "Reconciliation",
      "Treasury",
      "Alerts",
      "Kill switch",
      "Audit log",
    ]);
    for (const f of features) {
      expect({ name: f.name, href: f.href, exists: f.href ? routeExists(f.href) : false }).toEqual({
        name: f.name,
        href: f.href,
        exists: true,
      });
    }
    const links = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1] as string);
    expect(links).toContain("/login");
    for (const href of links) expect({ href, exists: routeExists(href) }).toEqual({ href, exists: true });
    // The checker itself tells a missing page from an existing one.
    expect(routeExists("/no-such-page")).toBe(false);
    expect(routeExists("/api/health")).toBe(true);
  });

  it("the site description names the capabilities the landing page links, and no promise beyond them", () => {
    const named = String(metadata.description);
    for (const word of ["budgets", "ledger", "reconciliation", "alerts", "kill switch", "audit log"]) {
      expect(named.toLowerCase()).toContain(word);
    }
    expect(named).not.toMatch(/treasury|before a limit|reconciles with the chain/i);
  });
});
