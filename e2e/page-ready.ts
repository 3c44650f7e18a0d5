import type { Page } from "@playwright/test";

/**
 * Waits until `page` is drawn as a person sees it: the document loaded, no chart placeholder
 * still pulsing (the charts are drawn after hydration) and nothing marked aria-busy (a loading
 * skeleton, a check still running). Not "network idle": every console page prefetches the
 * navigation's routes, so idle comes a second later than the page, and a live page (the
 * overview polls) is never idle for long.
 */
export async function pageDrawn(page: Page): Promise<void> {
  await page.waitForFunction(
    () => document.readyState === "complete" && !document.querySelector('[aria-busy="true"], .animate-pulse'),
  );
}

/**
 * Waits until the page has hydrated: no `<Button>` still marked `data-hydrating`
 * (components/ui/button.tsx). Before that a control's React handlers are not attached: a filter
 * changed then applies nothing, a click does nothing. A page opened by `goto` is loaded, not
 * hydrated; a test that acts on it at once raced its hydration (ledger.spec.ts, CI 2026-12-07).
 */
export async function pageHydrated(page: Page): Promise<void> {
  await page.waitForFunction(
    () => document.readyState !== "loading" && !document.querySelector("[data-hydrating]"),
  );
}
