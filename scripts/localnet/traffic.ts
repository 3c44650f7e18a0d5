import { randomUUID } from "node:crypto";

/**
 * Simulated agent traffic for the demo: the three seed agents buy from the demo vendors
 * through the real payment API (`POST /api/v1/payments`), at a modest rate, with the mix an
 * operator should see: mostly cheap calls, some expensive ones, attempts above the
 * per-transaction max, callers' price ceilings below the vendor's price, and vendor failures.
 * Budgets run out on their own as the day goes on.
 */

export interface TrafficAgent {
  id: string;
  apiKey: string;
  weight: number;
}

interface Purchase {
  path: string;
  vendor: string;
  weight: number;
  /** Sometimes the caller caps the price below what the vendor asks. */
  maxPriceUsdc?: string;
}

const PURCHASES: Purchase[] = [
  { path: "/search", vendor: "search-api", weight: 40 },
  { path: "/code-scan", vendor: "code-scan", weight: 24 },
  { path: "/dataset", vendor: "dataset", weight: 8 },
  { path: "/flaky", vendor: "flaky-api", weight: 12 },
  // A 503 before the 402 on every 3rd request: the payer's retries show in the retry metrics.
  { path: "/busy", vendor: "busy-api", weight: 8 },
  { path: "/slow?ms=800", vendor: "slow-api", weight: 8 },
  { path: "/premium-report", vendor: "premium-report", weight: 4 },
  { path: "/dataset", vendor: "dataset", weight: 4, maxPriceUsdc: "1.00" },
];

function pick<T extends { weight: number }>(items: T[]): T {
  const total = items.reduce((s, i) => s + i.weight, 0);
  let r = Math.random() * total;
  for (const item of items) {
    r -= item.weight;
    if (r < 0) return item;
  }
  return items.at(-1) as T;
}

export interface TrafficOptions {
  consoleUrl: string;
  vendorUrl: string;
  agents: TrafficAgent[];
  /** Payments per minute across all agents; 0 sends nothing. */
  ratePerMinute: number;
  log?: (line: string) => void;
}

export function startTraffic(options: TrafficOptions): {
  stop(): Promise<void>;
  counts: Record<string, number>;
} {
  const counts: Record<string, number> = {};
  let stopped = false;
  let inFlight = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const once = async () => {
    const agent = pick(options.agents);
    const purchase = pick(PURCHASES);
    try {
      const res = await fetch(`${options.consoleUrl}/api/v1/payments`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${agent.apiKey}` },
        body: JSON.stringify({
          url: `${options.vendorUrl}${purchase.path}`,
          idempotencyKey: randomUUID(),
          vendor: purchase.vendor,
          ...(purchase.maxPriceUsdc ? { maxPriceUsdc: purchase.maxPriceUsdc } : {}),
        }),
        signal: AbortSignal.timeout(60_000),
      });
      const body = (await res.json().catch(() => ({}))) as { status?: string; error?: { code?: string } };
      const outcome = body.error?.code ?? body.status ?? String(res.status);
      counts[outcome] = (counts[outcome] ?? 0) + 1;
      options.log?.(`${agent.id} ${purchase.vendor}: ${outcome}`);
    } catch (error) {
      counts.unreachable = (counts.unreachable ?? 0) + 1;
      options.log?.(`${agent.id} ${purchase.vendor}: ${(error as Error).message}`);
    }
  };

  const schedule = () => {
    if (stopped || options.ratePerMinute <= 0) return;
    // Poisson arrivals around the configured rate.
    const meanMs = 60_000 / options.ratePerMinute;
    const delay = Math.min(-Math.log(1 - Math.random()) * meanMs, meanMs * 5);
    timer = setTimeout(() => {
      inFlight = inFlight.then(() => undefined);
      const run = once();
      inFlight = Promise.all([inFlight, run]).then(() => undefined);
      schedule();
    }, delay);
  };
  schedule();

  return {
    counts,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
    },
  };
}
