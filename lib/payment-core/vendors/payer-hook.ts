import type { Database } from "@/db/client";
import { type Logger, silentLog } from "../support/log";
import { type Clock, systemClock } from "../support/time";
import { payToChangedCondition, priceAboveAdvertisedCondition, raiseCatalogAlerts } from "./alerts";
import { cleanText, pickOffer, resourceOf, samePayTo } from "./bounds";
import { pinFirstPayTo, recordObservation } from "./store";

/**
 * What the payer does with the catalog (payer.ts):
 *
 * - **payTo pinning, on the payment's path.** The vendor's pinned payTo is read with the agent's
 *   allowlist, in the payer's one pre-read (x402/pre-read.ts). Once the 402 passed every other check, its
 *   payTo must be the pinned one: a vendor seen for the first time pins it (first sight), a known
 *   vendor asking another address is refused with `vendor_payto_changed` before anything is
 *   reserved or signed, and a critical alert is raised, until a person accepts the new address.
 * - **Recording the 402, off the path.** Every 402 the payer decodes is written to the catalog
 *   (vendor, resource, price history) without being awaited; a failure is logged, never the
 *   payment's. The same resource with the same price, scheme and payTo is written at most once per
 *   `throttleMs` per process, so steady traffic costs the database almost nothing. A 402 asking
 *   more than the resource's advertised price raises `price_above_advertised`.
 */

export interface ObservedRequest {
  url: URL;
  method: string;
  /** The decoded PAYMENT-REQUIRED, as the vendor sent it (checked here field by field). */
  required: unknown;
  agentId: string;
}

export interface VendorCatalogHook {
  /** The 402's payTo against the pin (`known`, from the payer's pre-read); pins it when there is none. */
  checkPayTo(input: {
    host: string;
    payTo: string;
    known: string | null;
  }): Promise<{ ok: true } | { ok: false; knownPayTo: string }>;
  /** The critical alert of a refused payment; never throws. */
  payToRefused(input: {
    host: string;
    knownPayTo: string;
    askedPayTo: string;
    agentId: string;
    resourceUrl: string;
    transactionId: string | null;
  }): Promise<void>;
  /** Records a 402 in the background; returns at once and never throws. */
  observe(input: ObservedRequest): void;
  /** Resolves once every recording started so far has finished (for tests and shutdown). */
  idle(): Promise<void>;
}

export interface VendorCatalogHookDeps {
  db: Database;
  /** The payer's network and USDC: the option of a 402 the catalog prefers. */
  network: string;
  usdcAddress: string;
  log?: Logger;
  clock?: Clock;
  /** An unchanged resource is written at most once per this (default 60 s); 0 writes every 402. */
  throttleMs?: number;
}

/** Resources remembered for the throttle at most (the map is cleared beyond, never grown). */
const THROTTLE_ENTRIES = 2_000;

export function createVendorCatalogHook(deps: VendorCatalogHookDeps): VendorCatalogHook {
  const log = deps.log ?? silentLog;
  const clock = deps.clock ?? systemClock;
  const throttleMs = deps.throttleMs ?? 60_000;
  const written = new Map<string, { value: string; at: number }>();
  const pending = new Set<Promise<void>>();

  async function record(input: ObservedRequest): Promise<void> {
    const resource = resourceOf(input.url.toString());
    const required = (input.required && typeof input.required === "object" ? input.required : {}) as {
      accepts?: unknown;
      resource?: { description?: unknown };
    };
    const offer = pickOffer(required.accepts, { network: deps.network, asset: deps.usdcAddress });
    if (!resource || !offer) return;
    const description = cleanText(required.resource?.description);
    const key = `${input.method} ${resource.url}`;
    const value = `${offer.scheme}|${offer.network}|${offer.asset}|${offer.amount}|${offer.payTo}|${description}`;
    const now = clock();
    const last = written.get(key);
    if (last && last.value === value && now.getTime() - last.at < throttleMs) return;
    if (written.size >= THROTTLE_ENTRIES) written.clear();
    written.set(key, { value, at: now.getTime() });
    const payable =
      offer.network === deps.network && offer.asset.toLowerCase() === deps.usdcAddress.toLowerCase();
    const recorded = await recordObservation(deps.db, {
      source: "402",
      host: resource.host,
      url: resource.url,
      method: input.method,
      offer,
      payable,
      description,
      agentId: input.agentId,
      at: now,
    }).catch((error: unknown) => {
      // Not written: the next 402 of this resource tries again.
      written.delete(key);
      throw error;
    });
    if (payable && recorded.advertisedMicro !== null && offer.amount > recorded.advertisedMicro) {
      await raiseCatalogAlerts(
        deps.db,
        [
          priceAboveAdvertisedCondition({
            host: resource.host,
            resourceUrl: resource.url,
            method: input.method,
            scheme: offer.scheme,
            askedMicro: offer.amount,
            advertisedMicro: recorded.advertisedMicro,
            agentId: input.agentId,
          }),
        ],
        { now, log },
      );
    }
  }

  return {
    async checkPayTo({ host, payTo, known }) {
      if (known !== null) return samePayTo(known, payTo) ? { ok: true } : { ok: false, knownPayTo: known };
      const { acceptedPayTo } = await pinFirstPayTo(deps.db, { host, payTo, source: "402", at: clock() });
      return samePayTo(acceptedPayTo, payTo) ? { ok: true } : { ok: false, knownPayTo: acceptedPayTo };
    },
    async payToRefused(input) {
      try {
        await raiseCatalogAlerts(
          deps.db,
          [payToChangedCondition({ ...input, source: "402", resourceUrl: input.resourceUrl })],
          { now: clock(), log },
        );
      } catch (error) {
        log.error(
          { error: (error as Error).message, host: input.host },
          "vendor catalog: payTo alert not raised",
        );
      }
    },
    observe(input) {
      const p: Promise<void> = record(input)
        .catch((error: Error) => {
          log.error(
            { error: error.message, host: input.url.host, agentId: input.agentId },
            "vendor catalog: 402 not recorded",
          );
        })
        .finally(() => pending.delete(p));
      pending.add(p);
    },
    async idle() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
