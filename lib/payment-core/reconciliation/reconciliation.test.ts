import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Command } from "commander";
import { createPublicClient, custom, http, type PublicClient } from "viem";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { seedDemo } from "@/db/seed";
import { registerReconcile } from "@/lib/cli/commands/reconcile";
import { describeError, toJson } from "@/lib/cli/context";
import { cliUser } from "@/lib/cli/test-harness";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { localPayer } from "@/lib/testing/local-payer";
import { type LocalNetwork, startLocalNetwork } from "@/scripts/localnet";
import { defaultBudgetConfig } from "../budgets/config";
import { BudgetEngine } from "../budgets/engine";
import { getReconciliationReport, listReconciliationReports, reconcile } from "./index";
import type { ReconcileOptions } from "./reconcile";

let t: TestDatabase;
let net: LocalNetwork;
let reportDir: string;
/** JSON-RPC methods the reconciliation asked the chain, to prove it reads in bulk. */
let rpcCalls: string[] = [];
let client: PublicClient;

interface PaidRow {
  id: string;
  tx_hash: string;
  nonce: string;
  amount_micro: bigint;
}
let paid: PaidRow[] = [];

const AGENT = "builder_agent";

beforeAll(async () => {
  [t, net] = await Promise.all([createTestDatabase(), startLocalNetwork()]);
  reportDir = mkdtempSync(path.join(tmpdir(), "x402-recon-"));
  client = createPublicClient({
    transport: http(net.rpcUrl, {
      onFetchRequest: (_request, init) => {
        const body = JSON.parse(String(init.body)) as { method: string } | { method: string }[];
        for (const call of Array.isArray(body) ? body : [body]) rpcCalls.push(call.method);
      },
    }),
  }) as PublicClient;

  // Real payments through the real x402 flow, made once and restored before every test.
  const payer = localPayer(net, {
    db: t.db,
    engine: new BudgetEngine(t.db, { config: () => defaultBudgetConfig() }),
  });
  for (let i = 0; i < 5; i++) {
    const out = await payer.payForService({
      agentId: AGENT,
      url: `${net.vendorUrl}/search`,
      idempotencyKey: `recon-${i}`,
    });
    expect(out).toMatchObject({ ok: true, paid: true });
  }
  // Demo history (fake hashes, never on chain) and a row of another network: neither is checked.
  await seedDemo(t.db, { days: 1, config: defaultBudgetConfig(), actor: "test" });
  await t.db.$client`
    INSERT INTO transactions (id, agent_id, vendor, amount_micro, network, status, tx_hash)
    VALUES ('tx_other_network', ${AGENT}, 'v', 10000, 'eip155:8453', 'completed', ${`0x${"12".repeat(32)}`})`;
  paid = await t.db.$client<PaidRow[]>`
    SELECT id, tx_hash, nonce, amount_micro FROM transactions
    WHERE status = 'completed' AND network = ${net.network} AND NOT (metadata @> '{"demo": true}'::jsonb)
    ORDER BY created_at, id`;
  expect(paid).toHaveLength(5);
  await t.db.$client`CREATE TABLE recon_snapshot AS SELECT * FROM transactions`;
});

afterAll(async () => {
  if (reportDir) rmSync(reportDir, { recursive: true, force: true });
  await net?.stop();
  await t?.drop();
});

beforeEach(async () => {
  await t.db.$client`DELETE FROM transactions`;
  await t.db.$client`INSERT INTO transactions SELECT * FROM recon_snapshot`;
  await t.db.$client`TRUNCATE reconciliation_reports`;
  rpcCalls = [];
});

const deps = () => ({
  db: t.db,
  client,
  usdcAddress: net.usdcAddress,
  payerAddress: net.payer.address,
  network: net.network,
});
const run = (options: Partial<ReconcileOptions> = {}) =>
  reconcile(deps(), { dryRun: true, reportDir, chunkBlocks: 7n, ...options });
const row = (i: number) => paid[i] as PaidRow;

describe("a clean ledger", () => {
  it("passes, checking every real payment against one bulk read of the chain", async () => {
    const report = await run();
    expect(report.status).toBe("pass");
    expect(report.discrepancies).toEqual([]);
    expect(Object.values(report.counts).every((n) => n === 0)).toBe(true);
    expect(report.chain.transfers).toBe(5);
    expect(report.checked.transactions).toBe(5);
    expect(report.checked.demoSkipped).toBeGreaterThan(0);
    expect(report.checked.otherNetworkSkipped).toBe(1);
    // Bulk: logs by block range, not a receipt per row.
    expect(rpcCalls).not.toContain("eth_getTransactionReceipt");
    expect(rpcCalls.filter((m) => m === "eth_getLogs").length).toBeGreaterThan(0);
  });

  it("a provider that caps getLogs: refused ranges are split until they are read, and the result is the same", async () => {
    // Like hosted RPCs that refuse wide or busy ranges: more than 4 blocks is refused.
    let refused = 0;
    const capped = createPublicClient({
      transport: custom({
        request: async ({ method, params }) => {
          const [filter] = (params ?? []) as { fromBlock?: string; toBlock?: string }[];
          if (method === "eth_getLogs" && filter?.fromBlock && filter.toBlock) {
            if (BigInt(filter.toBlock) - BigInt(filter.fromBlock) > 3n) {
              refused++;
              throw new Error("query exceeds max block range 4");
            }
          }
          return client.request({ method, params } as never);
        },
      }),
    }) as PublicClient;
    const report = await reconcile({ ...deps(), client: capped }, { dryRun: true, chunkBlocks: 1_000n });
    expect(refused).toBeGreaterThan(0);
    expect(report).toMatchObject({ status: "pass", chain: { transfers: 5 }, checked: { transactions: 5 } });
  });

  it("a range that ends before the payments checks none of them and finds no orphans in its margin", async () => {
    const [first] = await t.db.$client<{ at: string }[]>`
      SELECT created_at AS at FROM transactions WHERE id = ${row(0).id}`;
    // Block times are whole seconds: end the range two seconds before the first payment.
    const to = new Date(new Date(first?.at ?? "").getTime() - 2000);
    // Without its row, the last payment's transfer is read (the margin) but lies after the range.
    await t.db.$client`DELETE FROM transactions WHERE id = ${row(4).id}`;
    const report = await run({ from: new Date(to.getTime() - 86_400_000), to });
    expect(report).toMatchObject({ status: "pass", checked: { transactions: 0 } });
    expect(report.chain.transfers).toBe(5);
    const covering = await run({
      from: new Date(to.getTime() - 86_400_000),
      to: new Date(Date.now() + 60_000),
    });
    expect(covering.counts).toMatchObject({ orphan_onchain: 1 });
    expect(covering.checked.transactions).toBe(4);
  });

  it("pages through a ledger larger than one page, rows sharing a timestamp included", async () => {
    await t.db.$client`
      INSERT INTO transactions (id, created_at, agent_id, vendor, amount_micro, network, status)
      SELECT 'tx_bulk_' || lpad(g::text, 5, '0'), now(), ${AGENT}, 'v', 10000, ${net.network}, 'pending'
      FROM generate_series(1, 12001) g`;
    const report = await run();
    expect(report.status).toBe("pass");
    expect(report.checked.transactions).toBe(12_006);
  });
});

describe("planted discrepancies are each found once, linked to their row", () => {
  const only = async (kind: string) => {
    const report = await run();
    expect(report.status).toBe("fail");
    expect(report.discrepancies).toHaveLength(1);
    expect(report.counts[kind as keyof typeof report.counts]).toBe(1);
    return report.discrepancies[0];
  };

  it("missing_hash: a completed row without its hash", async () => {
    await t.db.$client`UPDATE transactions SET tx_hash = NULL WHERE id = ${row(0).id}`;
    expect(await only("missing_hash")).toMatchObject({
      kind: "missing_hash",
      transactionId: row(0).id,
      txHash: row(0).tx_hash,
    });
  });

  it("not_on_chain: a hash the chain does not have", async () => {
    const fake = `0x${"ab".repeat(32)}`;
    await t.db.$client`UPDATE transactions SET tx_hash = ${fake} WHERE id = ${row(1).id}`;
    expect(await only("not_on_chain")).toMatchObject({
      kind: "not_on_chain",
      transactionId: row(1).id,
      txHash: fake,
    });
  });

  it("not_on_chain without a nonce: confirmed by one receipt, and the real transfer is an orphan", async () => {
    const fake = `0x${"cd".repeat(32)}`;
    await t.db.$client`UPDATE transactions SET tx_hash = ${fake}, nonce = NULL WHERE id = ${row(1).id}`;
    const report = await run();
    expect(rpcCalls.filter((m) => m === "eth_getTransactionReceipt")).toHaveLength(1);
    expect(report.counts).toMatchObject({ not_on_chain: 1, orphan_onchain: 1 });
    expect(report.discrepancies).toHaveLength(2);
    expect(report.discrepancies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "not_on_chain", transactionId: row(1).id, txHash: fake }),
        expect.objectContaining({ kind: "orphan_onchain", transactionId: null, txHash: row(1).tx_hash }),
      ]),
    );
  });

  it("amount: 4% off passes at 5% tolerance, 6% off fails with both figures", async () => {
    const ledger = (pct: bigint) => (row(2).amount_micro * (100n + pct)) / 100n;
    await t.db
      .$client`UPDATE transactions SET amount_micro = ${ledger(4n).toString()} WHERE id = ${row(2).id}`;
    expect((await run()).status).toBe("pass");
    await t.db
      .$client`UPDATE transactions SET amount_micro = ${ledger(6n).toString()} WHERE id = ${row(2).id}`;
    expect(await only("amount_mismatch")).toMatchObject({
      kind: "amount_mismatch",
      transactionId: row(2).id,
      ledgerAmountMicro: ledger(6n),
      chainAmountMicro: row(2).amount_micro,
    });
    // A wider tolerance accepts it.
    expect((await run({ tolerancePct: 6 })).status).toBe("pass");
  });

  it("party_mismatch: the ledger names another payee (case does not matter)", async () => {
    await t.db.$client`UPDATE transactions SET payer = lower(payer) WHERE id = ${row(3).id}`;
    expect((await run()).status).toBe("pass");
    const other = "0x1111111111111111111111111111111111111111";
    await t.db.$client`UPDATE transactions SET payee = ${other} WHERE id = ${row(3).id}`;
    expect(await only("party_mismatch")).toMatchObject({
      kind: "party_mismatch",
      transactionId: row(3).id,
      ledgerPayee: other,
      chainTo: net.payee,
    });
  });

  it("orphan_onchain: a transfer whose ledger row is gone", async () => {
    await t.db.$client`DELETE FROM transactions WHERE id = ${row(4).id}`;
    expect(await only("orphan_onchain")).toMatchObject({
      kind: "orphan_onchain",
      transactionId: null,
      txHash: row(4).tx_hash,
      nonce: row(4).nonce.toLowerCase(),
      chainAmountMicro: row(4).amount_micro,
    });
  });

  it("settled_but_failed: a row marked failed whose authorization was used", async () => {
    await t.db.$client`
      UPDATE transactions SET status = 'failed', tx_hash = NULL, error_code = 'settlement_failed'
      WHERE id = ${row(0).id}`;
    expect(await only("settled_but_failed")).toMatchObject({
      kind: "settled_but_failed",
      transactionId: row(0).id,
      txHash: row(0).tx_hash,
      chainAmountMicro: row(0).amount_micro,
    });
  });
});

describe("saving the report", () => {
  const files = () => (existsSync(reportDir) ? readdirSync(reportDir) : []);

  it("a dry run writes no file and no row", async () => {
    await t.db.$client`UPDATE transactions SET tx_hash = NULL WHERE id = ${row(0).id}`;
    const before = files();
    const report = await run({ dryRun: true });
    expect(report).toMatchObject({ status: "fail", reportId: null, file: null });
    expect(files()).toEqual(before);
    expect(await listReconciliationReports(t.db)).toEqual([]);
  });

  it("a real run writes the file, the row and the audit entry", async () => {
    await t.db.$client`UPDATE transactions SET tx_hash = NULL WHERE id = ${row(0).id}`;
    const report = await run({ dryRun: false });
    expect(report.reportId).toMatch(/^\d+$/);
    expect(path.basename(report.file ?? "")).toMatch(/^reconciliation_\d{8}T\d{6}Z(_\d+)?\.json$/);
    const onDisk = JSON.parse(readFileSync(report.file ?? "", "utf8"));
    expect(onDisk).toMatchObject({
      status: "fail",
      reportId: report.reportId,
      counts: { missing_hash: 1 },
      discrepancies: [{ kind: "missing_hash", transactionId: row(0).id, ledgerAmountMicro: "10000" }],
    });
    const list = await listReconciliationReports(t.db, { limit: 5 });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      id: report.reportId,
      status: "fail",
      dryRun: false,
      summary: { counts: { missing_hash: 1 }, file: report.file, chain: { transfers: 5 } },
    });
    const stored = await getReconciliationReport(t.db, report.reportId ?? "");
    expect(stored?.details).toEqual([
      expect.objectContaining({ kind: "missing_hash", transactionId: row(0).id, ledgerAmountMicro: "10000" }),
    ]);
    expect(await getReconciliationReport(t.db, "999999")).toBeNull();
    const [audit] = await t.db.$client`
      SELECT actor, target_id FROM audit_log WHERE action = 'reconciliation.run'`;
    expect(audit).toMatchObject({ target_id: report.reportId });
  });
});

describe("x402 reconcile", () => {
  async function cli(args: string[]) {
    let stdout = "";
    const program = new Command("x402").option("--json").exitOverride();
    program.configureOutput({ writeOut: () => {}, writeErr: () => {} });
    registerReconcile(program, {
      sub: (parent, name) =>
        parent
          .command(name)
          .exitOverride()
          .configureOutput({ writeOut: () => {}, writeErr: () => {} }),
      print: (cmd, data, human) => {
        stdout += cmd.optsWithGlobals().json ? `${toJson(data)}\n` : human();
      },
    });
    try {
      await program.parseAsync(args, { from: "user" });
      return { code: 0, stdout };
    } catch (error) {
      return { code: describeError(error).exitCode, stdout };
    }
  }

  beforeAll(async () => {
    // A saved run changes state: the CLI acts as a signed-in operator.
    const { env } = await cliUser(t.db, "operator");
    Object.assign(process.env, {
      ...env,
      DATABASE_URL: t.url,
      X402_NETWORK: net.network,
      X402_RPC_URL: net.rpcUrl,
      X402_USDC_ADDRESS: net.usdcAddress,
      X402_WALLET_ADDRESS: net.payer.address,
    });
  });

  it("prints PASS or FAIL with each discrepancy's transaction; exit 0, 1 and 2", async () => {
    const pass = await cli(["reconcile", "--dry-run"]);
    expect(pass.code).toBe(0);
    expect(pass.stdout).toMatch(/Reconciliation PASS/);
    await t.db.$client`UPDATE transactions SET payee = lower(${net.payer.address}) WHERE id = ${row(3).id}`;
    const fail = await cli(["reconcile", "--dry-run"]);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toMatch(/Reconciliation FAIL/);
    expect(fail.stdout).toMatch(new RegExp(`party_mismatch\\s+${row(3).id}`));
    expect(fail.stdout).toMatch(/Dry run: no report file/);
    const json = await cli(["reconcile", "--dry-run", "--json", "--tolerance-pct", "10"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: "fail",
      tolerance_pct: 10,
      counts: { party_mismatch: 1 },
      discrepancies: [{ kind: "party_mismatch", transaction_id: row(3).id }],
      report_file: null,
    });
    expect((await cli(["reconcile", "--from", "2026-02-30"])).code).toBe(2);
    expect((await cli(["reconcile", "--tolerance-pct", "101"])).code).toBe(2);
    expect((await cli(["reconcile", "--from", "2026-01-02", "--to", "2026-01-01"])).code).toBe(2);
    expect(await listReconciliationReports(t.db)).toEqual([]);
  });

  it("a real run captures settled_but_failed rows from the chain; a dry run only names them", async () => {
    // As the old payer left it: failed, reservation released, spend never counted.
    const r = row(0);
    await t.db.$client`
      UPDATE transactions SET status = 'failed', tx_hash = NULL, error_code = 'vendor_error' WHERE id = ${r.id}`;
    await t.db.$client`
      UPDATE budget_usage SET spent_micro = spent_micro - ${r.amount_micro.toString()}::bigint
      WHERE agent_id = ${AGENT}`;
    const dry = await cli(["reconcile", "--dry-run"]);
    expect(dry.stdout).toMatch(new RegExp(`Capture them: x402 settle --id ${r.id}`));
    expect((await t.db.$client`SELECT status::text AS s FROM transactions WHERE id = ${r.id}`)[0]?.s).toBe(
      "failed",
    );
    const real = await cli(["reconcile", "--json"]);
    expect(real.code).toBe(1);
    const body = JSON.parse(real.stdout);
    expect(body.captured).toEqual([expect.objectContaining({ transaction_id: r.id, outcome: "captured" })]);
    const [after] = await t.db.$client<{ status: string; tx_hash: string }[]>`
      SELECT status::text AS status, tx_hash FROM transactions WHERE id = ${r.id}`;
    expect(after).toEqual({ status: "completed", tx_hash: r.tx_hash });
    rmSync(body.report_file, { force: true });
    expect((await cli(["reconcile", "--dry-run"])).code).toBe(0);
  });
});
