import type { AddressInfo } from "node:net";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { readWalletView } from "@/lib/payment-core/treasury/wallet-view";
import { createPaymentService } from "@/lib/payment-core/x402/service";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { consolePaymentEnv, type LocalNetwork, startLocalNetwork } from "@/scripts/localnet";
import { run } from "../main";
import { consoleStarted } from "../test-harness";

/**
 * `x402 monitor` reads the wallet the way the console does (the overview's card, /api/metrics):
 * one function, so the same chain gives the same code, reason and time limit in both.
 */

let t: TestDatabase;
/** Accepts connections and never answers: an RPC that hangs. */
let hanging: Server;
const sockets: Socket[] = [];
let closedPort: number;

beforeAll(async () => {
  t = await createTestDatabase();
  hanging = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((r) => hanging.listen(0, "127.0.0.1", r));
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => hanging.close(r));
  await t.drop();
});

const walletEnv = (rpcUrl: string) => ({
  X402_RPC_URL: rpcUrl,
  X402_USDC_ADDRESS: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
  X402_WALLET_ADDRESS: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
});

async function monitorJson(extra: Record<string, string>) {
  const saved = process.env;
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: t.url };
  for (const key of Object.keys(env)) if (/^X402_/.test(key)) delete env[key];
  process.env = { ...env, ...extra };
  let stdout = "";
  try {
    await run(["monitor", "--no-evaluate", "--json"], {
      stdout: (text) => {
        stdout += text;
      },
      stderr: () => {},
    });
    process.exitCode = undefined;
    return JSON.parse(stdout) as { wallet: Record<string, unknown> };
  } finally {
    process.env = saved;
  }
}

/** What the console's wallet card shows for the same environment. */
async function consoleView(extra: Record<string, string>) {
  const config = parseEnv({ DATABASE_URL: t.url, ...extra });
  return readWalletView(() => createPaymentService(t.db, config).getWalletBalance(), {
    lowBalanceMicro: config.alerts.lowBalanceMicro,
  });
}

describe("x402 monitor's wallet is the console's", () => {
  it("a shell without the console's X402_* variables (the demo's) reads the wallet the console recorded", async () => {
    let net: LocalNetwork | undefined;
    try {
      net = await startLocalNetwork();
      const serverEnv = consolePaymentEnv(net);
      await consoleStarted(t.db, serverEnv, 4242);
      const [monitor, view] = await Promise.all([monitorJson({}), consoleView(serverEnv)]);
      expect(view).toMatchObject({ available: true, address: net.payer.address, balanceMicro: "500000000" });
      expect(monitor.wallet).toMatchObject({
        available: true,
        address: net.payer.address,
        network: "eip155:31337",
        balance: "500.000000",
        low: false,
      });
      // The payer's gas comes from the same chain.
      expect(monitor.wallet.gas).toMatchObject({ balance_eth: "10000" });
    } finally {
      await t.db.$client`DELETE FROM settings WHERE key = 'server_config'`;
      await net?.stop();
    }
  });

  it("an RPC that never answers: the console's time limit and code, not a longer one of its own", async () => {
    const rpcUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/v1/secret-key`;
    const [monitor, view] = await Promise.all([
      monitorJson(walletEnv(rpcUrl)),
      consoleView(walletEnv(rpcUrl)),
    ]);
    expect(view).toMatchObject({ available: false, code: "chain_timeout" });
    expect(monitor.wallet).toMatchObject({
      available: false,
      code: "chain_timeout",
      message: view.available ? null : view.reason,
    });
    expect(JSON.stringify(monitor.wallet)).not.toContain("secret-key");
  });

  it("an RPC that refuses connections: the same code and reason as the console, without the URL", async () => {
    const rpcUrl = `http://127.0.0.1:${closedPort}/v1/secret-key`;
    const [monitor, view] = await Promise.all([
      monitorJson(walletEnv(rpcUrl)),
      consoleView(walletEnv(rpcUrl)),
    ]);
    expect(view).toMatchObject({ available: false, code: "chain_unavailable" });
    expect(monitor.wallet).toMatchObject({
      available: false,
      code: "chain_unavailable",
      message: view.available ? null : view.reason,
    });
    expect(JSON.stringify(monitor.wallet)).not.toContain("secret-key");
  });
});
