import { redirect } from "next/navigation";
import { FilterError } from "@/lib/url/search-params";

export type SearchParams = Record<string, string | string[] | undefined>;

/**
 * A GET form sends its empty inputs too (`agent=&vendor=…`): without JavaScript the filter page
 * redirects to the URL of the filters in use, so it can be bookmarked and shared as it reads.
 */
export function dropEmptyFilters(path: string, raw: SearchParams, keys: readonly string[]): void {
  if (!keys.some((key) => raw[key] !== undefined && String(raw[key]).trim() === "")) return;
  const kept = Object.fromEntries(
    Object.entries(raw).filter(([, v]) => typeof v === "string" && v.trim() !== ""),
  ) as Record<string, string>;
  redirect(`${path}${Object.keys(kept).length ? `?${new URLSearchParams(kept)}` : ""}`);
}

/**
 * One page of a filtered list, or the filter error the read raised (a filter can be valid in the
 * URL and still refused by the query, a cursor from another filter, say): shown on the form.
 */
export async function readFilteredPage<P extends { rows: unknown[]; nextCursor: string | null }>(
  read: () => Promise<P>,
): Promise<
  (P & { error: null }) | { rows: P["rows"]; nextCursor: null; previousCursor: null; error: FilterError }
> {
  try {
    return { ...(await read()), error: null };
  } catch (e) {
    if (!(e instanceof FilterError)) throw e;
    return { rows: [], nextCursor: null, previousCursor: null, error: e };
  }
}
