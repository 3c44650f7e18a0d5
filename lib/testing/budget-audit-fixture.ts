import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import type { Database } from "@/db/client";
import { runBudgetAudit } from "@/lib/payment-core/budget-audit/run";
import type { AuditCheck, AuditReport, CheckName, FindingKind } from "@/lib/payment-core/budget-audit/types";
import { type BudgetConfig, defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { BudgetEngine, type ReservationDetails } from "@/lib/payment-core/budgets/engine";
import { type HistoricalRow, insertHistoricalRows } from "@/lib/payment-core/ledger/write";
import { truncate } from "@/lib/testing/db";
import { createTestDatabase, type TestDatabase } from "./db";

/**
 * The setup the budget audit tests share (lib/payment-core/budget-audit/*.test.ts): a clean
 * ledger written once per file through the real engine, restored before each test, and helpers
 * to pay, plant rows, run the audit and read its findings.
 */

export const usdc = (n: number) => BigInt(Math.round(n * 1_000_000));
export const NOW = new Date("2026-03-20T12:00:00.000Z");
const DAY = 86_400_000;
export const PAYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const PAYEE = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
export const SEARCH = { vendor: "search-api", resourceUrl: "https://search.example/q" };
export const DATASET = { vendor: "dataset", resourceUrl: "https://data.example/set" };
const SCAN = { vendor: "code-scan", resourceUrl: "https://scan.example/run" };

const hex64 = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
/** `days` UTC days before NOW's day, at hh:mm UTC. */
export const dayAt = (days: number, hhmm: string) =>
  new Date(`${new Date(NOW.getTime() - days * DAY).toISOString().slice(0, 10)}T${hhmm}:00.000Z`);

export function check(report: AuditReport, name: CheckName): AuditCheck {
  const found = report.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no check ${name}`);
  return found;
}

export function findings(report: AuditReport, name: CheckName, kind: FindingKind) {
  return check(report, name).findings.filter((f) => f.kind === kind);
}

/** Every check not named has nothing to say. */
export function expectOthersClean(report: AuditReport, affected: CheckName[]) {
  for (const c of report.checks) {
    if (affected.includes(c.name)) continue;
    expect({ name: c.name, status: c.status, findings: c.findings }).toEqual({
      name: c.name,
      status: "pass",
      findings: [],
    });
  }
}

type PlantedRow = Partial<HistoricalRow> & Pick<HistoricalRow, "agentId" | "createdAt">;

export interface AuditFixture {
  /** The file's database (set up in beforeAll). */
  readonly db: Database;
  /** The budget engine on that database, reading `config` and `clock`. */
  readonly engine: BudgetEngine;
  /** The budget config in force; reset to the defaults before each test. */
  config: BudgetConfig;
  /** What `clock` returns; reset to NOW before each test. */
  now: Date;
  clock: () => Date;
  /**
   * Reservation details carrying the authorization about to be signed (valid from `now` for five
   * minutes), so the row is written `authorized` in the reservation's commit, as the payer does.
   */
  authorized(nonce?: string): Pick<ReservationDetails, "payer" | "payee" | "authorization">;
  /** A payment the way the payer makes one: reserve with the authorization to sign, commit. */
  pay(
    agentId: string,
    amount: bigint,
    details: { vendor: string; resourceUrl?: string },
    when: Date,
    options?: { hash?: string | null; nonce?: string; final?: bigint },
  ): Promise<string>;
  /** Rows planted outside the engine, with their budget windows updated as an import would. */
  plant(rows: PlantedRow[]): Promise<string[]>;
  audit(options?: { save?: boolean; reportDir?: string; actor?: string }): ReturnType<typeof runBudgetAudit>;
}

const TABLES = ["transactions", "budget_usage"] as const;

/** Registers the file's hooks; call once at the top of the test file. */
export function budgetAuditFixture(): AuditFixture {
  let t: TestDatabase | undefined;
  let engine: BudgetEngine | undefined;
  let seq = 0;
  const hash = () => hex64(++seq);
  const nonce = () => hex64(1_000_000 + ++seq);

  const fixture: AuditFixture = {
    get db() {
      if (!t) throw new Error("the test database is set up in beforeAll");
      return t.db;
    },
    get engine() {
      if (!engine) throw new Error("the engine is set up in beforeAll");
      return engine;
    },
    config: defaultBudgetConfig(),
    now: NOW,
    clock: () => fixture.now,
    authorized: (nonceValue = nonce()) => ({
      payer: PAYER,
      payee: PAYEE,
      authorization: {
        nonce: nonceValue,
        validAfter: fixture.now,
        validBefore: new Date(fixture.now.getTime() + 300_000),
      },
    }),
    pay: async (agentId, amount, details, when, options = {}) => {
      fixture.now = when;
      const r = await fixture.engine.reserve(agentId, amount, `key-${++seq}`, {
        ...details,
        ...fixture.authorized(options.nonce),
      });
      if (!r.ok) throw new Error(`refused: ${r.code}`);
      const c = await fixture.engine.capture(
        r.transactionId,
        options.final ?? amount,
        options.hash === undefined ? hash() : options.hash,
      );
      if (!c.ok) throw new Error(`commit: ${c.code}`);
      fixture.now = NOW;
      return r.transactionId;
    },
    plant: async (rows) => {
      const full = rows.map((r) => ({
        id: `tx_plant_${++seq}`,
        vendor: "search-api",
        amountMicro: usdc(1),
        status: "completed" as const,
        txHash: hash(),
        ...r,
      }));
      await insertHistoricalRows(fixture.db, full);
      return full.map((r) => r.id);
    },
    audit: async (options = {}) =>
      runBudgetAudit(
        { db: fixture.db, config: fixture.config, clock: fixture.clock },
        { save: false, ...options },
      ),
  };

  /**
   * The clean ledger, written through the real engine: 16 UTC days (2026-03-05 to today) of
   * steady spend for the three seed agents at constant prices, some released reservations and
   * refusals, and two reservations still open today (younger than the stale timeout).
   */
  async function writeCleanLedger() {
    const { pay } = fixture;
    for (let d = 15; d >= 0; d--) {
      for (const hhmm of ["10:00", "10:10", "10:20"])
        await pay("builder_agent", usdc(1), SEARCH, dayAt(d, hhmm));
      await pay("research_agent", usdc(0.5), DATASET, dayAt(d, "11:00"));
      await pay("code_review_agent", usdc(0.25), SCAN, dayAt(d, "11:30"));
      if (d % 3 === 0) {
        fixture.now = dayAt(d, "09:00");
        const r = await fixture.engine.reserve("builder_agent", usdc(2), `key-${++seq}`, SEARCH);
        if (!r.ok) throw new Error("refused");
        await fixture.engine.release(r.transactionId, "vendor_error", "vendor answered 500");
        const refused = await fixture.engine.reserve("builder_agent", usdc(11), `key-${++seq}`, SEARCH);
        expect(refused).toMatchObject({ ok: false, code: "per_transaction_max_exceeded" });
      }
    }
    fixture.now = new Date(NOW.getTime() - 60_000);
    expect((await fixture.engine.reserve("builder_agent", usdc(0.75), `key-${++seq}`, SEARCH)).ok).toBe(true);
    fixture.now = new Date(NOW.getTime() - 30_000);
    const open = await fixture.engine.reserve("research_agent", usdc(0.5), `key-${++seq}`, {
      ...DATASET,
      ...fixture.authorized(),
    });
    if (!open.ok) throw new Error("refused");
    fixture.now = NOW;
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    fixture.config = defaultBudgetConfig();
    engine = new BudgetEngine(t.db, { config: () => fixture.config, clock: fixture.clock });
    await truncate(t.db, "transactions, budget_usage, budget_policies, audit_log, audit_reports");
    await writeCleanLedger();
    // Kept aside so each test starts from the same clean ledger without writing it again.
    for (const table of TABLES) await t.db.$client.unsafe(`CREATE TABLE clean_${table} AS TABLE ${table}`);
  });
  afterAll(async () => t?.drop());
  beforeEach(async () => {
    fixture.config = defaultBudgetConfig();
    fixture.now = NOW;
    await truncate(
      fixture.db,
      "transactions, budget_usage, budget_policies, budget_caps, budget_cap_usage, audit_log, audit_reports",
    );
    for (const table of TABLES)
      await fixture.db.$client.unsafe(`INSERT INTO ${table} SELECT * FROM clean_${table}`);
  });

  return fixture;
}
