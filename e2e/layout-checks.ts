import AxeBuilder from "@axe-core/playwright";
import type { Locator, Page } from "@playwright/test";

/**
 * What makes a phone scroll sideways: the document wider than the screen, or an element whose
 * box reaches past the screen's right edge without a scrolling (or clipping) box holding it.
 * Returns the document's width and up to five offending elements, outermost first.
 */
export async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; offenders: string[] }> {
  const width = page.viewportSize()?.width ?? 0;
  return page.evaluate((viewport) => {
    // Is `el` inside a box that clips or scrolls it? An absolutely positioned element is clipped
    // only by boxes on its containing-block chain (its positioned ancestors), not by every parent.
    const held = (el: Element): boolean => {
      const own = getComputedStyle(el).position;
      if (own === "fixed") return true;
      let needPositioned = own === "absolute";
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const style = getComputedStyle(p);
        if (needPositioned && style.position === "static") continue;
        if (style.overflowX !== "visible") return true;
        if (style.position === "fixed") return true;
        needPositioned = style.position === "absolute";
      }
      return false;
    };
    const describe = (el: Element) => {
      const r = el.getBoundingClientRect();
      const text = (el.textContent ?? "").trim().replace(/\s+/g, " ").slice(0, 40);
      const cls = typeof el.className === "string" ? el.className.slice(0, 60) : "";
      return `<${el.tagName.toLowerCase()} class="${cls}"> ${Math.round(r.left)}..${Math.round(r.right)}px "${text}"`;
    };
    const offenders: Element[] = [];
    for (const el of Array.from(document.body.querySelectorAll("*"))) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.right <= viewport + 1 && r.left >= -1) continue;
      if (held(el)) continue;
      // Keep the outermost: a child of an offender says nothing new.
      if (offenders.some((o) => o.contains(el))) continue;
      offenders.push(el);
    }
    return {
      scrollWidth: document.documentElement.scrollWidth,
      offenders: offenders.slice(0, 5).map(describe),
    };
  }, width);
}

/** How many lines the text of `locator`'s element takes on screen (1 = not wrapped). */
export async function textLines(locator: Locator): Promise<number> {
  return locator.evaluate((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top)));
    return tops.size;
  });
}

/**
 * WCAG 2.2 target size (2.5.8, AA), held stricter than the standard: every visible control
 * (button, link, form control, summary) is at least 24x24 CSS px, spacing or not. Only links
 * inside running text are exempt (the standard's inline exception: their height is the line's).
 * Returns each offender, described.
 */
export async function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const selector =
      'a[href], button, input:not([type="hidden"]), select, textarea, summary, [role="button"], [role="link"], [role="checkbox"], [role="tab"], [tabindex]:not([tabindex="-1"])';
    const visible = (el: Element) => {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) return false;
      const style = getComputedStyle(el);
      if (style.visibility === "hidden" || style.display === "none") return false;
      // Screen-reader-only and clipped skip links are not targets anyone aims at.
      return !(r.width <= 1 && r.height <= 1);
    };
    const inline = (el: Element) => {
      if (el.tagName !== "A") return false;
      const parent = el.parentElement;
      if (!parent) return false;
      const own = (el.textContent ?? "").trim().length;
      const around = (parent.textContent ?? "").trim().length;
      return getComputedStyle(el).display === "inline" && around > own + 20;
    };
    const targets = Array.from(document.querySelectorAll(selector)).filter(visible);
    const describeTarget = (el: Element, r: DOMRect) => {
      const name = (el.getAttribute("aria-label") ?? el.textContent ?? "").trim().replace(/\s+/g, " ");
      return `<${el.tagName.toLowerCase()}${el.getAttribute("type") ? ` type=${el.getAttribute("type")}` : ""}> "${name.slice(0, 40)}" ${Math.round(r.width)}x${Math.round(r.height)}`;
    };
    const problems: string[] = [];
    targets.forEach((el, i) => {
      const r = el.getBoundingClientRect();
      if (r.width >= 23.5 && r.height >= 23.5) return;
      if (inline(el)) return;
      // Nested targets (a checkbox inside its label's row) count once: the outer one.
      if (targets.some((other, j) => j !== i && other.contains(el))) return;
      problems.push(describeTarget(el, r));
    });
    return problems;
  });
}

/** The WCAG levels axe checks: 2.0, 2.1 and 2.2, A and AA. */
export const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/** axe's serious and critical findings on `page` as it is now, each with its rule, element and `where`. */
export async function axeFindings(page: Page, where: string): Promise<string[]> {
  // Legacy mode runs axe in the page itself. The default also opens a blank page for each scan,
  // to merge the results of cross-origin frames, which the console has none of: a second per
  // scan (0.6 s of 1.7 s here), twice per page in each project.
  const { violations } = await new AxeBuilder({ page }).setLegacyMode().withTags(AXE_TAGS).analyze();
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .flatMap((v) =>
      v.nodes.map(
        (n) =>
          `${where}: ${v.id} (${v.impact}) at ${n.target.join(" ")}: ${n.failureSummary?.split("\n")[1]?.trim() ?? v.help}`,
      ),
    );
}
