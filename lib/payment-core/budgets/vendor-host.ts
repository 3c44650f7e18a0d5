/**
 * The key vendor caps count a payment under: the host its URL named, as the WHATWG parser spells it
 * (lower-case, punycode), without a trailing dot (`a.example.` is `a.example` to DNS), with `:port`
 * when not the scheme's default. Never the caller's `vendor` label, which can be anything: a cap
 * keyed on it could be dodged by naming the vendor something else. Undefined without a URL.
 */
export function vendorHost(resourceUrl: string | undefined): string | undefined {
  if (!resourceUrl) return undefined;
  let url: URL;
  try {
    url = new URL(resourceUrl);
  } catch {
    return undefined;
  }
  const host = url.hostname.replace(/\.+$/, "");
  return url.port ? `${host}:${url.port}` : host;
}
