import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@/db/embedded";
import { insertHistoricalRows } from "@/lib/payment-core/ledger/write";
import { parseUsdc, usdc6 } from "@/lib/payment-core/support/money";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { consolePaymentEnv, type LocalNetwork, startLocalNetwork } from "@/scripts/localnet";
import { cliRunner, consoleStarted } from "../test-harness";

const HOUR = 3_600_000;
let t: TestDatabase;
let net: LocalNetwork;
const x402 = cliRunner(() => t.url);

/** A ledger row `hoursAgo` before the command runs. */
function row(id: string, hoursAgo: number, status: "completed" | "pending", amount: string) {
  return {
    id,
    createdAt: new Date(Date.now() - hoursAgo * HOUR).toISOString(),
    agentId: "builder_agent",
    vendor: "search-api",
    amountMicro: parseUsdc(amount),
    status,
  };
}

/**
 * The console's wallet on the local chain with 1,234.50 USDC (a thousands separator to print),
 * as the demo configures it, recorded at start as instrumentation.ts records it.
 */
beforeAll(async () => {
  [t, net] = await Promise.all([
    createTestDatabase(),
    startLocalNetwork({ payerFundingMicro: parseUsdc("1234.5") }),
  ]);
  await consoleStarted(t.db, consolePaymentEnv(net), 1);
  await insertHistoricalRows(t.db, [
    row("tx_w_day", 1, "completed", "24"), // $24 in the last 24 h: $1/h
    row("tx_w_week", 72, "completed", "144"), // $168 in the last 7 days: $1/h too
    row("tx_w_old", 24 * 8, "completed", "999"), // older than either window
    row("tx_w_open", 0.1, "pending", "0.5"), // held: out of the rates, out of the runway's start
  ]);
});
afterAll(async () => {
  await net?.stop();
  await t?.drop();
});

describe("x402 wallet", () => {
  it("prints address, network, USDC and gas balances and the runway at the 24 h and 7 d rates", async () => {
    const usdc = await net.usdc.balanceOf(net.payer.address);
    expect(usdc).toBe(parseUsdc("1234.5"));
    const before = Date.now();
    const r = await x402(["wallet", "--json"], { X402_LOW_BALANCE_USDC: "1200" });
    const after = Date.now();
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const data = r.json() as {
      address: string;
      usdc: string;
      eth: string;
      runway: Record<string, unknown> & {
        last_24h: Record<string, unknown>;
        last_7d: Record<string, unknown>;
      };
    };
    expect(data).toMatchObject({ address: net.payer.address, network: "eip155:31337", usdc: usdc6(usdc) });
    expect(Number(data.eth)).toBeGreaterThan(0);
    expect(data.runway).toMatchObject({
      low_balance: "1200.000000",
      below_low_balance: false,
      open_payments: "0.500000",
      available: "1234.000000",
    });
    // $1,234 at $1/h: 1,234 h (51 days) either way; $34 above the $1,200 line: 34 h from now.
    expect(data.runway.last_24h).toMatchObject({
      spent: "24.000000",
      per_hour: "1.000000",
      hours_left: "1234",
      days_left: "51",
      low_line: "crosses",
    });
    expect(data.runway.last_7d).toMatchObject({ spent: "168.000000", hours_left: "1234", days_left: "51" });
    const at = Date.parse(String(data.runway.last_24h.low_line_at));
    expect(at).toBeGreaterThanOrEqual(before + 34 * HOUR);
    expect(at).toBeLessThanOrEqual(after + 34 * HOUR);

    const human = await x402(["wallet"], { X402_LOW_BALANCE_USDC: "1200" });
    expect(human.code).toBe(0);
    const lines = human.stdout.split("\n");
    // The seed guide's line, first, as `x402 monitor` prints it.
    expect(lines[0]).toBe("Wallet balance: $1,234.50");
    expect(human.stdout).toContain(`Address: ${net.payer.address}`);
    expect(human.stdout).toContain("Network: eip155:31337");
    expect(human.stdout).toMatch(/Gas \(ETH\): \d/);
    expect(human.stdout).toContain("Open payments: $0.50 (the runway starts from $1,234.00)");
    expect(human.stdout).toMatch(
      /Last 24 h: spent \$24\.00 \(\$1\.00\/h\); runway 1,234 h \(51 days\); crosses the \$1,200\.00 low-balance line at \d{4}-\d\d-\d\d \d\d:\d\d UTC/,
    );
    expect(human.stdout).toContain("Last 7 days: spent $168.00 ($1.00/h); runway 1,234 h (51 days)");
  });

  it("below the low-balance line: says LOW and gives no crossing date", async () => {
    const r = await x402(["wallet"], { X402_LOW_BALANCE_USDC: "5000" });
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("Wallet balance: $1,234.50 (LOW: below $5,000.00)");
    expect(r.stdout).toContain("already below the $5,000.00 low-balance line");
    expect(r.stdout).not.toContain("crosses");
  });

  it("`wallet balance`: the balances, gas with 6 decimals and the runway in one line (issue 29); an unknown subcommand is bad usage (exit 2)", async () => {
    const text = await x402(["wallet", "balance"]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split("\n");
    expect(lines[1]).toBe("  USDC  $1,234.50");
    expect(lines[2]).toMatch(/^ {2}ETH {3}\d+\.\d{6}$/);
    // $24 in the last 24 h is $1.00/h; $1,234.00 available (the $0.50 held is not) lasts 1,234 h.
    expect(lines[3]).toBe("Runway: 51.4 days at $1.00/h over the last 24 h");
    const balance = await x402(["wallet", "balance", "--json"]);
    expect(balance.code).toBe(0);
    expect(balance.json()).toMatchObject({
      address: net.payer.address,
      usdc: "1234.500000",
      runway: {
        available: "1234.000000",
        last_24h: { per_hour: "1.000000", hours_left: "1234", days_left: "51" },
      },
    });
    const bad = await x402(["wallet", "balanse", "--json"]);
    expect(bad.code).toBe(2);
    expect(bad.json()).toMatchObject({ error: { code: "bad_usage" } });
  });
});

describe("x402 wallet after a payer-key rotation", () => {
  // The console recorded the old payer at its start; a rotation completed since retired it and
  // made the funding wallet the payer (the rows completeRotation leaves).
  beforeAll(async () => {
    await t.db.$client`
      INSERT INTO wallets (address, label, network, role, active, retired_at, key_ref) VALUES
        (${net.payer.address.toLowerCase()}, 'old payer', 'eip155:31337', 'payer', false, now(), 'env:X402_PAYER_PRIVATE_KEY'),
        (${net.funder.toLowerCase()}, 'new payer', 'eip155:31337', 'payer', true, NULL, 'env:NEW_PAYER_KEY')`;
  });
  afterAll(async () => {
    await t.db.$client`DELETE FROM wallets`;
  });

  it("`wallet` and `wallet balance` name the new wallet and read its balance, not the recorded one's", async () => {
    const usdc = await net.usdc.balanceOf(net.funder);
    expect(usdc).not.toBe(await net.usdc.balanceOf(net.payer.address));
    const balance = await x402(["wallet", "balance", "--json"]);
    expect(balance.code).toBe(0);
    expect(balance.json()).toMatchObject({ address: net.funder, usdc: usdc6(usdc) });
    const wallet = await x402(["wallet"]);
    expect(wallet.code).toBe(0);
    expect(wallet.stdout).toContain(`Address: ${net.funder}`);
    expect(wallet.stdout).not.toContain(net.payer.address);
  });

  it("with no payer active, the retired recorded payer is refused: payer_retired (exit 1)", async () => {
    await t.db.$client`UPDATE wallets SET active = false WHERE address = ${net.funder.toLowerCase()}`;
    const r = await x402(["wallet", "--json"]);
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ error: { code: "payer_retired" } });
  });
});

describe("x402 wallet without a wallet or a chain", () => {
  let other: TestDatabase;
  beforeAll(async () => {
    other = await createTestDatabase();
  });
  afterAll(async () => other?.drop());
  const y402 = cliRunner(() => other.url);

  it("no console recorded and none configured here: wallet_not_configured (exit 1)", async () => {
    const r = await y402(["wallet", "--json"]);
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ error: { code: "wallet_not_configured" } });
  });

  it("a chain that does not answer: chain_unavailable, without the RPC URL (exit 1)", async () => {
    const rpcUrl = `http://127.0.0.1:${await freePort()}`;
    await consoleStarted(other.db, { ...consolePaymentEnv(net), X402_RPC_URL: rpcUrl }, 2);
    const r = await y402(["wallet", "--json"]);
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ error: { code: "chain_unavailable" } });
    expect(r.stdout).not.toContain(rpcUrl);
  });
});
