import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import {
  BAZAAR,
  type DiscoveryResource,
  type DiscoveryResourcesResponse,
  extractDiscoveryInfo,
} from "@x402/extensions/bazaar";

/**
 * The local facilitator's Bazaar catalog: what it answers on `GET /discovery/resources`, in memory.
 * Two feeds, as a hosted facilitator has:
 * - `register`: resources listed up front (the local network lists its demo vendors' routes as
 *   they declare them, so the list is there before anyone pays);
 * - `fromPayment`: a verified payment whose payload carries the vendor's `bazaar` declaration is
 *   catalogued with the SDK's facilitator-side `extractDiscoveryInfo` (official clients echo the
 *   declaration; our payer sends only payment-identifier, so its payments add nothing here).
 */

/**
 * The SDK's check of a declaration compiles its JSON schema with a new Ajv each time (about 10 ms
 * of CPU here, on the event loop the vendors and the facilitator share): a declaration is checked
 * once and its text remembered. The same text is the same answer, so a valid one is taken as is the
 * next time; an invalid one is checked (and refused) every time. Bounded: texts over
 * `MAX_REMEMBERED_BYTES` are never remembered, and the set is cleared when full.
 */
const MAX_REMEMBERED = 1_000;
const MAX_REMEMBERED_BYTES = 16_384;

/** The most entries one page answers, as hosted facilitators cap it. */
const MAX_PAGE = 100;
const DEFAULT_PAGE = 20;

export class DiscoveryCatalog {
  private readonly entries = new Map<string, DiscoveryResource>();
  /** Declarations (their JSON text) the SDK found valid. */
  private readonly valid = new Set<string>();
  /** How many declarations the SDK checked (the rest were remembered). */
  checked = 0;

  /** Adds or replaces resources (keyed by their URL). */
  register(resources: readonly DiscoveryResource[]): void {
    for (const r of resources) this.entries.set(r.resource, r);
  }

  /** Catalogs a verified payment's resource when its payload declares discovery; returns whether it did. */
  fromPayment(payload: PaymentPayload, requirements: PaymentRequirements): boolean {
    const declared = payload.extensions?.[BAZAAR.key];
    const text = declared === undefined ? undefined : JSON.stringify(declared);
    const known = text !== undefined && this.valid.has(text);
    if (!known && text !== undefined) this.checked++;
    const found = extractDiscoveryInfo(payload, requirements, !known);
    if (!found || !("resourceUrl" in found)) return false;
    if (!known && text !== undefined && text.length <= MAX_REMEMBERED_BYTES) {
      if (this.valid.size >= MAX_REMEMBERED) this.valid.clear();
      this.valid.add(text);
    }
    this.entries.set(found.resourceUrl, {
      resource: found.resourceUrl,
      type: "http",
      x402Version: found.x402Version,
      accepts: [requirements],
      lastUpdated: new Date().toISOString(),
      ...(found.description ? { description: found.description } : {}),
      ...(found.mimeType ? { mimeType: found.mimeType } : {}),
      ...(found.serviceName ? { serviceName: found.serviceName } : {}),
      extensions: { [BAZAAR.key]: { info: found.discoveryInfo } },
    });
    return true;
  }

  get size(): number {
    return this.entries.size;
  }

  /** One page, filtered as the Bazaar list's parameters say (type, payTo, scheme, network). */
  list(params: {
    type?: string;
    payTo?: string;
    scheme?: string;
    network?: string;
    limit?: number;
    offset?: number;
  }): DiscoveryResourcesResponse {
    const matches = [...this.entries.values()].filter(
      (r) =>
        (!params.type || r.type === params.type) &&
        r.accepts.some(
          (a) =>
            (!params.payTo || a.payTo.toLowerCase() === params.payTo.toLowerCase()) &&
            (!params.scheme || a.scheme === params.scheme) &&
            (!params.network || a.network === params.network),
        ),
    );
    const limit = Math.min(Math.max(params.limit ?? DEFAULT_PAGE, 1), MAX_PAGE);
    const offset = Math.max(params.offset ?? 0, 0);
    return {
      x402Version: 2,
      items: matches.slice(offset, offset + limit),
      pagination: { limit, offset, total: matches.length },
    };
  }
}

/** A query parameter as a whole number (or undefined when absent or not one). */
export function intParam(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,6}$/.test(value)) return undefined;
  return Number(value);
}
