/**
 * Percent-encoding that is not UTF-8 (`/ledger/%E0%A4%A`, `?agent=%FF`). Next answered such a
 * path with a plain-text 500 without the security headers (its router fails decoding the
 * segment): proxy.ts refuses it with 400 `invalid_request` naming the part, before any page or
 * route runs. (`next start` hands the proxy a query already re-encoded, such bytes as U+FFFD,
 * which is text; the query check holds for a URL that reaches it as it was sent.)
 */
export function malformedPercentEncoding(url: URL): { field: string; message: string } | null {
  if (decodes(url.pathname) === null) {
    return { field: "path", message: "path: the percent-encoding is not valid UTF-8" };
  }
  const query = url.search.replace(/^\?/, "");
  if (!query) return null;
  for (const pair of query.split("&")) {
    const [rawName = "", ...rest] = pair.split("=");
    const name = decodes(rawName.replace(/\+/g, " "));
    if (name === null)
      return { field: "query", message: "query: a parameter name's percent-encoding is not valid UTF-8" };
    if (rest.length > 0 && decodes(rest.join("=").replace(/\+/g, " ")) === null) {
      // The name is valid text, but may hold a control character: it is named only when safe to show.
      const field = /^[\w.-]{1,64}$/.test(name) ? name : "query";
      return { field, message: `${field}: the percent-encoding is not valid UTF-8` };
    }
  }
  return null;
}

function decodes(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}
