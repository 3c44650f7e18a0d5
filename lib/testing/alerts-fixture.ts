import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach } from "vitest";
import type { Database } from "@/db/client";
import { deliverOutbox, evaluateAlerts, listAlerts } from "@/lib/payment-core/alerts";
import type { AlertConfig } from "@/lib/payment-core/alerts/types";
import { defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { type HistoricalRow, insertHistoricalRows } from "@/lib/payment-core/ledger/write";
import { defaultAlertsEnv } from "@/lib/payment-core/support/config";
import { truncate } from "@/lib/testing/db";
import { createTestDatabase, type TestDatabase } from "./db";

/**
 * The setup the alert tests share (alerts.test.ts and outbox.test.ts in lib/payment-core/alerts):
 * a database of the file's own, emptied before each test; a stand-in for Discord and the JSON
 * webhook that answers from a script and records every request; the alert config pointing at it;
 * and a clock the test moves by setting `now`.
 */

export const NOW = new Date("2026-11-30T12:00:00.000Z");

/** One request the fake webhook server answered. */
export interface Captured {
  path: string;
  body: Record<string, unknown>;
  status: number;
}

export interface ScriptedAnswer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface AlertsFixture {
  /** The file's database (set up in beforeAll). */
  readonly db: Database;
  /** A second, independent connection pool to the same database. */
  connect(max?: number): Database;
  /** Discord at `/discord`, the JSON webhook at `/hook`, both on the fake server. */
  readonly config: AlertConfig;
  /** What `clock` returns; reset to NOW before each test. */
  now: Date;
  clock: () => Date;
  /** Every request the fake server answered, in order; emptied before each test. */
  captured: Captured[];
  /** The fake server's next answers, taken in order (204 when empty); emptied before each test. */
  script: ScriptedAnswer[];
  /** How long the fake server waits before answering; 0 before each test. */
  answerDelayMs: number;
  /** A ledger row `minutesAgo` before NOW (failed rows get errorCode vendor_error). */
  row(minutesAgo: number, status: HistoricalRow["status"], extra?: Partial<HistoricalRow>): HistoricalRow;
  insert(rows: HistoricalRow[]): Promise<void>;
  /** The Discord posts the fake server accepted (204). */
  discordPosts(): Captured[];
  /** A Discord post's first embed as "title\ndescription". */
  embedText(c: Captured): string;
  /** Delivers the outbox with a 1 s retry base, on the file's database or `db`. */
  deliver(db?: Database): ReturnType<typeof deliverOutbox>;
  evaluate(walletBalance?: () => Promise<bigint | null>): ReturnType<typeof evaluateAlerts>;
  /** The active alerts of `kind`. */
  open(kind: string): ReturnType<typeof listAlerts>;
}

/** Registers the file's hooks; call once at the top of the test file. */
export function alertsFixture(): AlertsFixture {
  let t: TestDatabase | undefined;
  let server: Server | undefined;
  let config: AlertConfig | undefined;
  let seq = 0;
  const database = () => {
    if (!t) throw new Error("the test database is set up in beforeAll");
    return t;
  };

  const fixture: AlertsFixture = {
    get db() {
      return database().db;
    },
    connect: (max) => database().connect(max),
    get config() {
      if (!config) throw new Error("the alert config is set up in beforeAll");
      return config;
    },
    now: NOW,
    clock: () => fixture.now,
    captured: [],
    script: [],
    answerDelayMs: 0,
    row: (minutesAgo, status, extra = {}) => {
      seq += 1;
      return {
        id: `tx_alert_${seq}`,
        createdAt: new Date(NOW.getTime() - minutesAgo * 60_000).toISOString(),
        agentId: "research_agent",
        vendor: "search-api.example",
        amountMicro: 10_000n,
        status,
        ...(status === "failed" ? { errorCode: "vendor_error" } : {}),
        ...extra,
      };
    },
    insert: async (rows) => {
      await insertHistoricalRows(fixture.db, rows);
    },
    discordPosts: () => fixture.captured.filter((c) => c.path === "/discord" && c.status === 204),
    embedText: (c) => {
      const embed = (c.body.embeds as { title: string; description: string }[])[0];
      return `${embed?.title}\n${embed?.description}`;
    },
    deliver: (db = fixture.db) =>
      deliverOutbox(db, { config: fixture.config, clock: fixture.clock, retryBaseMs: 1000 }),
    evaluate: (walletBalance) =>
      evaluateAlerts(fixture.db, { config: fixture.config, clock: fixture.clock, walletBalance }),
    open: async (kind) =>
      (await listAlerts(fixture.db, { state: "active", limit: 100 })).filter((a) => a.kind === kind),
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    const fake = createServer((req, res) => {
      let data = "";
      req.on("data", (chunk) => {
        data += chunk;
      });
      req.on("end", () => {
        const next = fixture.script.shift() ?? { status: 204 };
        setTimeout(() => {
          fixture.captured.push({ path: req.url ?? "", body: JSON.parse(data), status: next.status });
          res.writeHead(next.status, { "content-type": "application/json", ...next.headers });
          res.end(next.body ?? "");
        }, fixture.answerDelayMs);
      });
    });
    server = fake;
    await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    config = {
      budget: defaultBudgetConfig(),
      alerts: defaultAlertsEnv({ discordWebhookUrl: `${base}/discord`, webhookUrl: `${base}/hook` }),
    };
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await t?.drop();
  });
  beforeEach(async () => {
    await truncate(fixture.db, "transactions, budget_usage, alert_deliveries, alerts, audit_log");
    fixture.captured = [];
    fixture.script = [];
    fixture.answerDelayMs = 0;
    fixture.now = NOW;
  });

  return fixture;
}
