import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPublicClient, http, type PublicClient } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";
import { defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { BudgetEngine } from "@/lib/payment-core/budgets/engine";
import { reconcile } from "@/lib/payment-core/reconciliation";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { localPayer } from "@/lib/testing/local-payer";
import { consolePaymentEnv, type LocalNetwork, startAnvil, startLocalNetwork } from "@/scripts/localnet";
import {
  CHAIN_STATE_MISSING,
  chainDisagreement,
  decideChainState,
  ledgerOnLocalChain,
  setStateFileAside,
} from "./demo-chain-state";

/**
 * The demo's chain across restarts: anvil's state file is written on stop and loaded on start,
 * so the demo's own payments are still on chain after a restart and reconciliation passes.
 * Everything is real: anvil, Circle's USDC, the facilitator, the vendors, the payer, PostgreSQL.
 */

let t: TestDatabase;
let dir: string;
let stateFile: string;
let reportDir: string;
const running: LocalNetwork[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), "x402-chain-state-"));
  stateFile = path.join(dir, "anvil", "state.json");
  reportDir = path.join(dir, "reports");
});

afterAll(async () => {
  for (const net of running) await net.stop();
  rmSync(dir, { recursive: true, force: true });
  await t?.drop();
});

async function start(file = stateFile): Promise<LocalNetwork> {
  const net = await startLocalNetwork({ stateFile: file });
  running.push(net);
  return net;
}

async function stop(net: LocalNetwork): Promise<void> {
  await net.stop();
  running.splice(running.indexOf(net), 1);
}

async function buy(net: LocalNetwork, path: string, n: number) {
  const engine = new BudgetEngine(t.db, { config: () => defaultBudgetConfig() });
  const payer = localPayer(net, { db: t.db, engine });
  const out: { status: string; transactionId: string | null }[] = [];
  for (let i = 0; i < n; i++) {
    const r = await payer.payForService({
      agentId: "builder_agent",
      url: `${net.vendorUrl}${path}`,
      idempotencyKey: `${path}-${Date.now()}-${i}`,
    });
    if (!r.ok) out.push({ status: r.code, transactionId: r.transactionId });
    else if (!r.paid) out.push({ status: "not_paid", transactionId: null });
    else out.push({ status: r.status, transactionId: r.transactionId });
  }
  return out;
}

const reconcileOn = (net: LocalNetwork) =>
  reconcile(
    {
      db: t.db,
      client: net.usdc.client as PublicClient,
      usdcAddress: net.usdcAddress,
      payerAddress: net.payer.address,
      network: net.network,
    },
    { dryRun: true, reportDir },
  );

describe("the demo's chain state across restarts", () => {
  it("a chain restarted twice keeps the ledger's payments: reconciliation PASSes each time", async () => {
    const first = await start();
    expect(first.restored).toBe(false);
    const bought = await buy(first, "/search", 2);
    expect(bought.map((r) => r.status)).toEqual(["completed", "completed"]);
    const payerAfter = await first.usdc.balanceOf(first.payer.address);
    expect(payerAfter).toBe(500_000_000n - 20_000n);
    await stop(first);
    expect(existsSync(stateFile)).toBe(true);

    // First restart: the same chain, the same USDC, nothing minted again.
    const second = await start();
    expect(second.restored).toBe(true);
    expect(second.usdcAddress).toBe(first.usdcAddress);
    expect(await second.usdc.balanceOf(second.payer.address)).toBe(payerAfter);
    const ledger = await ledgerOnLocalChain(t.db, second.network);
    expect(ledger.payments).toBe(2);
    expect(
      await chainDisagreement({
        rpcUrl: second.rpcUrl,
        chainId: second.chainId,
        ledger,
        facilitator: second.facilitatorAccount,
      }),
    ).toBeNull();
    const afterOne = await reconcileOn(second);
    expect(afterOne.checked.transactions).toBe(2);
    expect(afterOne.discrepancies).toEqual([]);
    expect(afterOne.status).toBe("pass");

    // A payment on the restored chain, then a second restart.
    expect((await buy(second, "/code-scan", 1)).map((r) => r.status)).toEqual(["completed"]);
    await stop(second);
    const third = await start();
    expect(third.restored).toBe(true);
    expect(await third.usdc.balanceOf(third.payer.address)).toBe(payerAfter - 250_000n);
    const afterTwo = await reconcileOn(third);
    expect(afterTwo.checked.transactions).toBe(3);
    expect(afterTwo.counts.not_on_chain).toBe(0);
    expect(afterTwo.status).toBe("pass");
    await stop(third);
  });

  it("without the state file, the ledger's payments are not on a new chain: the demo refuses to start that way", async () => {
    const ledger = await ledgerOnLocalChain(t.db, "eip155:31337");
    expect(ledger.payments).toBe(3);
    const decision = decideChainState({
      stateFile: "data/anvil/state.json",
      stateFileExists: false,
      ledgerPayments: ledger.payments,
      newChain: false,
    });
    expect(decision).toMatchObject({
      action: "refuse",
      code: CHAIN_STATE_MISSING,
      figures: { ledgerPayments: 3, stateFile: "data/anvil/state.json" },
    });
    expect(decision.action === "refuse" && decision.message).toContain("3 not_on_chain");

    // What it would have been (the old demo): a new chain, and every earlier payment not on it.
    const fresh = await start(path.join(dir, "other", "state.json"));
    expect(fresh.restored).toBe(false);
    expect(
      await chainDisagreement({
        rpcUrl: fresh.rpcUrl,
        chainId: fresh.chainId,
        ledger,
        facilitator: fresh.facilitatorAccount,
      }),
    ).toContain("not on this chain");
    const report = await reconcileOn(fresh);
    expect(report.status).toBe("fail");
    expect(report.counts.not_on_chain).toBe(3);
    await stop(fresh);
  });

  it("--new-chain starts a new chain knowingly and keeps the old state file beside it", () => {
    expect(
      decideChainState({ stateFile, stateFileExists: true, ledgerPayments: 3, newChain: true }),
    ).toMatchObject({ action: "new", note: expect.stringContaining("3 earlier local payments") });
    expect(
      decideChainState({ stateFile, stateFileExists: true, ledgerPayments: 3, newChain: false }),
    ).toEqual({
      action: "load",
      note: null,
    });
    expect(
      decideChainState({ stateFile, stateFileExists: false, ledgerPayments: 0, newChain: false }),
    ).toEqual({
      action: "new",
      note: null,
    });
    const aside = setStateFileAside(stateFile, new Date("2026-12-06T10:00:00Z"));
    expect(existsSync(stateFile)).toBe(false);
    expect(aside && path.basename(aside)).toBe("state.2026-12-06T10-00-00-000Z.json");
    expect(readdirSync(path.dirname(stateFile))).toEqual(["state.2026-12-06T10-00-00-000Z.json"]);
  });
});

describe("a demo process that ends without stopping the chain", () => {
  it("still leaves the chain saved: its anvil gets SIGTERM on exit (and saves), not SIGKILL", async () => {
    const file = path.join(dir, "exit", "state.json");
    const script = path.join(dir, "exit-without-stop.mts");
    writeFileSync(
      script,
      `import { startAnvil } from ${JSON.stringify(path.resolve(import.meta.dirname, "chain.ts"))};
const anvil = await startAnvil({ stateFile: ${JSON.stringify(file)} });
const res = await fetch(anvil.rpcUrl, { method: "POST", headers: { "content-type": "application/json" },
  body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_sendTransaction", params: [{
    from: anvil.accounts.deployer.address, to: anvil.accounts.vendor.address, value: "0x7" }] }) });
console.log((await res.json()).result);
process.exit(0);
`,
    );
    const child = spawn(process.execPath, ["--import", "tsx", script], {
      cwd: path.resolve(import.meta.dirname, "../.."),
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    let err = "";
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    const code = await new Promise<number | null>((r) => child.once("exit", r));
    expect(err).toBe("");
    expect(code).toBe(0);
    const hash = out.trim();
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/);
    // The process is gone; its anvil writes the file after it. Poll for the file holding the transaction.
    // Until it does, however slow the machine: the test's own timeout bounds the wait.
    for (;;) {
      const saved = existsSync(file) ? readFileSync(file, "utf8") : "";
      if (saved.includes(hash.slice(2))) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const anvil = await startAnvil({ stateFile: file });
    try {
      expect(anvil.restored).toBe(true);
      const client = createPublicClient({ transport: http(anvil.rpcUrl) });
      expect((await client.getTransactionReceipt({ hash: hash as `0x${string}` })).status).toBe("success");
    } finally {
      await anvil.stop();
    }
    // That chain has a deployer transaction but no USDC: the local network refuses to guess.
    await expect(startLocalNetwork({ stateFile: file })).rejects.toThrow(
      "not a chain the local network made",
    );
  });
});

describe("the demo's payment environment", () => {
  it("adds the demo vendors to the operator's X402_ALLOWED_PRIVATE_HOSTS instead of replacing them", async () => {
    const net = await start(path.join(dir, "env", "state.json"));
    const operator = parseEnv({ X402_ALLOWED_PRIVATE_HOSTS: "vendor.internal:8080,10.0.4.7:443" });
    const merged = parseEnv(
      consolePaymentEnv(net, { allowedPrivateHosts: operator.payments.allowedPrivateHosts }),
    );
    expect(merged.payments.allowedPrivateHosts).toEqual([
      "vendor.internal:8080",
      "10.0.4.7:443",
      new URL(net.vendorUrl).host,
    ]);
    // Without entries of the operator's: the demo vendors alone, as before.
    expect(parseEnv(consolePaymentEnv(net)).payments.allowedPrivateHosts).toEqual([
      new URL(net.vendorUrl).host,
    ]);
    await stop(net);
  });

  it("/busy answers 503 before the 402 now and then: the payer retries, pays once, and the ledger counts the retry", async () => {
    const net = await start(path.join(dir, "busy", "state.json"));
    const unpaid = await fetch(`${net.vendorUrl}/busy?busy=1`);
    expect(unpaid.status).toBe(503);
    expect(unpaid.headers.get("payment-required")).toBeNull();
    const results = await buy(net, "/busy", 3);
    expect(results.map((r) => r.status)).toEqual(["completed", "completed", "completed"]);
    const rows = await t.db.$client<{ retry_count: number }[]>`
      SELECT retry_count FROM transactions WHERE id = ANY(${results.map((r) => r.transactionId)})
      ORDER BY created_at`;
    // Unpaid requests 1 (the forced one above), 2, 3 (503), 4: the second purchase retried once.
    expect(rows.map((r) => r.retry_count)).toEqual([0, 1, 0]);
    expect(await net.usdc.balanceOf(net.payee)).toBe(3n * 20_000n);
    await stop(net);
  });
});
