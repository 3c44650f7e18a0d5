import { randomUUID } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

/**
 * Simulated agent traffic for the demo: the three seed agents buy from the demo vendors
 * through the real payment API (`POST /api/v1/payments`), and one purchase in four through the
 * console's MCP server (`/api/mcp`, the SDK's own client calling `pay_for_resource`), at a modest rate, with the mix an
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
  /** The metered (`upto`) vendor: a random number of units used is added as `?units=`. */
  metered?: boolean;
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
  // `upto`: the maximum ($0.10) is reserved, the units used are charged and the rest released.
  { path: "/metered", vendor: "metered-api", weight: 8, metered: true },
];

/** The purchase's URL; a metered one uses 1 to 50 units. */
function purchaseUrl(vendorUrl: string, purchase: Purchase): string {
  const units = purchase.metered ? `?units=${1 + Math.floor(Math.random() * 50)}` : "";
  return `${vendorUrl}${purchase.path}${units}`;
}

function pick<T extends { weight: number }>(items: T[]): T {
  const total = items.reduce((s, i) => s + i.weight, 0);
  let r = Math.random() * total;
  for (const item of items) {
    r -= item.weight;
    if (r < 0) return item;
  }
  return items.at(-1) as T;
}

/** One purchase in this many goes through the MCP server instead of the payment API. */
const MCP_EVERY = 4;

/** What one purchase answered: the refusal's code, or the status (`completed`, `not_required`). */
async function payThroughApi(
  options: TrafficOptions,
  agent: TrafficAgent,
  purchase: Purchase,
): Promise<string> {
  const res = await fetch(`${options.consoleUrl}/api/v1/payments`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${agent.apiKey}` },
    body: JSON.stringify({
      url: purchaseUrl(options.vendorUrl, purchase),
      idempotencyKey: randomUUID(),
      vendor: purchase.vendor,
      ...(purchase.maxPriceUsdc ? { maxPriceUsdc: purchase.maxPriceUsdc } : {}),
    }),
    signal: AbortSignal.timeout(60_000),
  });
  const body = (await res.json().catch(() => ({}))) as { status?: string; error?: { code?: string } };
  return body.error?.code ?? body.status ?? String(res.status);
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

  // One MCP client per agent, connected on first use (the server is stateless: nothing to renew).
  const mcpClients = new Map<string, Promise<Client>>();
  const mcpClient = (agent: TrafficAgent) => {
    let client = mcpClients.get(agent.id);
    if (!client) {
      client = (async () => {
        const c = new Client({ name: `demo-${agent.id}`, version: "1.0.0" });
        await c.connect(
          new StreamableHTTPClientTransport(new URL("/api/mcp", options.consoleUrl), {
            requestInit: { headers: { authorization: `Bearer ${agent.apiKey}` } },
          }),
        );
        return c;
      })();
      client.catch(() => mcpClients.delete(agent.id));
      mcpClients.set(agent.id, client);
    }
    return client;
  };
  const payThroughMcp = async (agent: TrafficAgent, purchase: Purchase): Promise<string> => {
    const client = await mcpClient(agent);
    const result = (await client.callTool({
      name: "pay_for_resource",
      arguments: {
        url: purchaseUrl(options.vendorUrl, purchase),
        idempotency_key: randomUUID(),
        vendor: purchase.vendor,
        ...(purchase.maxPriceUsdc ? { max_price_usdc: purchase.maxPriceUsdc } : {}),
      },
    })) as { structuredContent?: { status?: string; error?: { code?: string } } };
    const answer = result.structuredContent ?? {};
    return `mcp:${answer.error?.code ?? answer.status ?? "unknown"}`;
  };

  let sent = 0;
  const once = async () => {
    const agent = pick(options.agents);
    const purchase = pick(PURCHASES);
    const viaMcp = ++sent % MCP_EVERY === 0;
    try {
      const outcome = viaMcp
        ? await payThroughMcp(agent, purchase)
        : await payThroughApi(options, agent, purchase);
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
      await Promise.all(
        [...mcpClients.values()].map((c) => c.then((client) => client.close()).catch(() => {})),
      );
    },
  };
}
