import { getAddress, isAddress } from "viem";

/**
 * What the catalog accepts from a vendor. Everything in a discovery entry or a 402 is the
 * vendor's to choose, so each field is checked and bounded here before it reaches the database:
 * text is cleaned (control characters, lone surrogates and U+FFFD dropped, whitespace collapsed)
 * and cut to a length; identifiers (host, URL, method, scheme, network, asset, payTo, amount) that
 * do not match their form drop the entry (or the option) instead of being stored as sent.
 */

/** Most characters of a description kept (the schema's CHECK allows 500). */
export const MAX_DESCRIPTION = 300;
/** Most characters of a resource's URL (origin and path, no query). */
export const MAX_URL = 1024;
/** Resources kept per vendor; a vendor listing more gets its first ones, the rest dropped. */
export const MAX_RESOURCES_PER_VENDOR = 200;
/** Vendors the catalog holds at most; discovery adds none beyond (the payer's 402s still do). */
export const MAX_VENDORS = 5_000;
/** Observations kept per resource and source (the newest). */
export const MAX_OBSERVATIONS_PER_RESOURCE = 200;
/** Payment options of one entry that are looked at. */
export const MAX_ACCEPTS = 20;

export const CATALOG_SCHEMES = ["exact", "upto"] as const;
export type CatalogScheme = (typeof CATALOG_SCHEMES)[number];

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]);
const INT8_MAX = 2n ** 63n - 1n;

/** Text a vendor sent, made safe to store and show: one line, at most `max` characters, or null. */
export function cleanText(value: unknown, max = MAX_DESCRIPTION): string | null {
  if (typeof value !== "string") return null;
  let out = "";
  for (let i = 0; i < value.length && out.length <= max * 2; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += value.slice(i, i + 2);
        i++;
      }
      continue;
    }
    if (code >= 0xdc00 && code <= 0xdfff) continue;
    if (code === 0xfffd) continue;
    // C0, DEL and C1 controls, and the bidirectional overrides that reorder what a person reads.
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) {
      out += " ";
      continue;
    }
    if ((code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)) continue;
    out += value.charAt(i);
  }
  const collapsed = out.replace(/\s+/g, " ").trim();
  if (collapsed === "") return null;
  if (collapsed.length <= max) return collapsed;
  // Cut on a code point, never inside a surrogate pair.
  const cut = collapsed.slice(0, max - 1);
  const last = cut.charCodeAt(cut.length - 1);
  return `${last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut}…`;
}

/** A resource's catalog key: the URL without query or fragment, and its host; null when unusable. */
export function resourceOf(value: unknown): { host: string; url: string } | null {
  if (typeof value !== "string" || value.length > 4096) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (url.username || url.password) return null;
  const host = url.host.toLowerCase();
  if (host.length === 0 || host.length > 260) return null;
  const key = `${url.protocol}//${host}${url.pathname}`;
  if (key.length > MAX_URL) return null;
  return { host, url: key };
}

/** An HTTP method the payer can use, upper-case; null otherwise. */
export function methodOf(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const m = value.toUpperCase();
  return METHODS.has(m) ? m : null;
}

/** A whole number of atomic units that fits a bigint column; null otherwise. */
export function amountOf(value: unknown): bigint | null {
  if (typeof value !== "string" || !/^\d{1,19}$/.test(value)) return null;
  const n = BigInt(value);
  return n <= INT8_MAX ? n : null;
}

/** A CAIP-2 network id (`eip155:8453`, `solana:5eykt…`); null otherwise. */
export function networkOf(value: unknown): string | null {
  return typeof value === "string" && /^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}$/.test(value) ? value : null;
}

/** An EVM network (`eip155:<chain>`), whose assets and payees are 0x addresses. */
const isEvm = (network: string) => network.startsWith("eip155:");

/** An asset or payee address in the network's form (EVM: checksummed 0x; others: base58-like); null otherwise. */
export function addressOf(value: unknown, network: string): string | null {
  if (typeof value !== "string") return null;
  if (isEvm(network)) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(value) || !isAddress(value, { strict: false })) return null;
    return getAddress(value);
  }
  return /^[A-Za-z0-9]{1,128}$/.test(value) ? value : null;
}

/** Two payTo addresses are the same (EVM addresses compare without case). */
export function samePayTo(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  return a.startsWith("0x") && b.startsWith("0x") ? a.toLowerCase() === b.toLowerCase() : a === b;
}

/** One payment option as the catalog keeps it. */
export interface CatalogOffer {
  scheme: CatalogScheme;
  network: string;
  asset: string;
  /** The price (`exact`) or the maximum (`upto`), in the asset's atomic units. */
  amount: bigint;
  payTo: string;
}

/** One payment option checked field by field; null when any field is not in its form. */
export function offerOf(option: unknown): CatalogOffer | null {
  if (!option || typeof option !== "object") return null;
  const o = option as Record<string, unknown>;
  const scheme = o.scheme;
  if (scheme !== "exact" && scheme !== "upto") return null;
  const network = networkOf(o.network);
  if (!network) return null;
  const asset = addressOf(o.asset, network);
  const payTo = addressOf(o.payTo, network);
  // v2 says `amount`; v1 said `maxAmountRequired`.
  const amount = amountOf(o.amount ?? o.maxAmountRequired);
  if (!asset || !payTo || amount === null) return null;
  return { scheme, network, asset, amount, payTo };
}

/**
 * The option the catalog records for an entry: the first on the payer's network in its USDC, else
 * the first on its network, else the first usable one. Looks at `MAX_ACCEPTS` options at most.
 */
export function pickOffer(
  accepts: unknown,
  preferred: { network: string; asset?: string },
): CatalogOffer | null {
  if (!Array.isArray(accepts)) return null;
  const offers = accepts
    .slice(0, MAX_ACCEPTS)
    .map(offerOf)
    .filter((o): o is CatalogOffer => o !== null);
  const asset = preferred.asset?.toLowerCase();
  return (
    offers.find((o) => o.network === preferred.network && asset && o.asset.toLowerCase() === asset) ??
    offers.find((o) => o.network === preferred.network) ??
    offers[0] ??
    null
  );
}
