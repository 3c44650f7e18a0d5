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
