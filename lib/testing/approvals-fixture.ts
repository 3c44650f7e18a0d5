import { afterAll, beforeAll, beforeEach } from "vitest";
import type { Database } from "@/db/client";
import { requestLimitChange } from "@/lib/payment-core/budgets/approvals";
import { type BudgetConfig, defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { parseUsdc } from "@/lib/payment-core/support/money";
import { createTestDatabase, type TestDatabase, truncate } from "./db";

/**
 * The setup the approval and limit tests share (approvals.test.ts, change-requests.test.ts,
 * agent-limits.test.ts in lib/payment-core): a database of the file's own, emptied before each
 * test, the builder agent's monthly limit of 9 USDC from the environment, and a clock the test
 * moves by setting `now`.
 */

export const usdc = (text: string) => parseUsdc(text);

export const OPERATOR = "op@example.com";
export const APPROVER = "approver@example.com";
export const OTHER_APPROVER = "boss@example.com";

export interface ApprovalsFixture {
  /** The file's database (set up in beforeAll). */
  readonly db: Database;
  /** A second, independent connection pool to the same database. */
  connect(max?: number): Database;
  /** The budget config in force; reset before each test. */
  config: BudgetConfig;
  /** What `clock` returns; reset to 2026-03-10T12:00:00Z before each test. */
  now: Date;
  clock: () => Date;
  /** A monthly raise of the builder agent to 20 USDC, by OPERATOR, expiring in 7 days. */
  request(
    overrides?: Partial<Parameters<typeof requestLimitChange>[1]>,
  ): ReturnType<typeof requestLimitChange>;
  /** Every audit row, oldest first. */
  audit(): Promise<{ actor: string; action: string; target_type: string; target_id: string | null }[]>;
  /** How many change requests are stored. */
  requestCount(): Promise<number>;
}

/** Registers the file's hooks; call once at the top of the test file. */
export function approvalsFixture(): ApprovalsFixture {
  let t: TestDatabase | undefined;
  const database = () => {
    if (!t) throw new Error("the test database is set up in beforeAll");
    return t;
  };

  const fixture: ApprovalsFixture = {
    get db() {
      return database().db;
    },
    connect: (max) => database().connect(max),
    config: defaultBudgetConfig(),
    now: new Date(0),
    clock: () => fixture.now,
    request: (overrides = {}) =>
      requestLimitChange(fixture.db, {
        config: fixture.config,
        agentId: "builder_agent",
        kind: "monthly",
        requestedLimitMicro: usdc("20"),
        justification: "launch week doubles the research load",
        requestedBy: OPERATOR,
        expiresInDays: 7,
        clock: fixture.clock,
        ...overrides,
      }),
    audit: async () =>
      fixture.db.$client<{ actor: string; action: string; target_type: string; target_id: string | null }[]>`
        SELECT actor, action, target_type, target_id FROM audit_log ORDER BY id`,
    requestCount: async () => {
      const [row] = await fixture.db.$client<
        { n: bigint }[]
      >`SELECT count(*) AS n FROM budget_change_requests`;
      return Number(row?.n);
    },
  };

  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());
  beforeEach(async () => {
    // The agent's monthly limit comes from the environment: 9 USDC, so a few payments reach it.
    fixture.config = defaultBudgetConfig({ agentLimits: { builder_agent: { monthly: usdc("9") } } });
    fixture.now = new Date("2026-03-10T12:00:00.000Z");
    await truncate(
      fixture.db,
      "transactions, budget_usage, budget_policies, budget_change_requests, audit_log",
    );
  });

  return fixture;
}
