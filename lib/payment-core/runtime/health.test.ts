import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, createDb } from "@/db/client";
import journal from "@/db/migrations/meta/_journal.json";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { defaultBudgetConfig } from "../budgets/config";
import { getHealth, publicHealth } from "./health";
import { setKillSwitch } from "./kill-switch";

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

describe("getHealth", () => {
  it("is ok on a migrated database, with the migrations this build ships", async () => {
    const health = await getHealth(t.db, defaultBudgetConfig());
    expect(health.status).toBe("ok");
    expect(health.database.reachable).toBe(true);
    expect(health.database.error).toBeUndefined();
    expect(health.database.latencyMs).toBeGreaterThanOrEqual(0);
    expect(health.migrations).toMatchObject({ current: true, expected: journal.entries.length });
    expect(health.migrations?.applied).toBe(health.migrations?.expected);
    expect(health.migrations?.latest).toBe(journal.entries.at(-1)?.tag);
    expect(health.killSwitch).toMatchObject({ enabled: false, env: false, database: false });
    expect(Number.isNaN(Date.parse(health.checkedAt))).toBe(false);
  });

  it("reports the kill switch from the database flag and from the environment", async () => {
    await setKillSwitch(t.db, { enabled: true, actor: "ops@example.com", reason: "vendor incident" });
    let health = await getHealth(t.db, defaultBudgetConfig());
    expect(health.killSwitch).toMatchObject({
      enabled: true,
      env: false,
      database: true,
      updatedBy: "ops@example.com",
      reason: "vendor incident",
    });
    expect(health.killSwitch?.updatedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    // A stopped kill switch is a decision, not a fault: the service itself is healthy.
    expect(health.status).toBe("ok");

    await setKillSwitch(t.db, { enabled: false, actor: "ops@example.com" });
    health = await getHealth(t.db, defaultBudgetConfig({ paymentsDisabled: true }));
    expect(health.killSwitch).toMatchObject({ enabled: true, env: true, database: false });

    health = await getHealth(t.db, defaultBudgetConfig());
    expect(health.killSwitch).toMatchObject({ enabled: false, env: false, database: false });
  });

  it("is degraded when the database is behind the shipped migrations", async () => {
    await t.db.$client`
      DELETE FROM drizzle.__drizzle_migrations
      WHERE id = (SELECT max(id) FROM drizzle.__drizzle_migrations)`;
    const health = await getHealth(t.db, defaultBudgetConfig());
    expect(health.status).toBe("degraded");
    expect(health.database.reachable).toBe(true);
    expect(health.migrations).toMatchObject({ current: false, expected: journal.entries.length });
    expect(health.migrations?.applied).toBe(journal.entries.length - 1);
  });

  it("reports an unreachable database without throwing or leaking the password", async () => {
    const db = createDb("postgres://x:y@127.0.0.1:1/none", { max: 1 });
    try {
      const health = await getHealth(db, defaultBudgetConfig());
      expect(health.status).toBe("degraded");
      expect(health.database.reachable).toBe(false);
      expect(health.database.latencyMs).toBeNull();
      expect(health.database.error).toEqual(expect.any(String));
      expect(health.database.error).not.toContain("y@");
      expect(health.database.error).not.toContain("postgres://");
      expect(health.migrations).toBeNull();
      expect(health.killSwitch).toBeNull();
    } finally {
      await closeDb(db);
    }
  });
});

describe("publicHealth", () => {
  it("keeps the status and drops who stopped payments and why", async () => {
    await setKillSwitch(t.db, { enabled: true, actor: "ops@example.com", reason: "vendor incident" });
    try {
      const full = await getHealth(t.db, defaultBudgetConfig());
      const shown = publicHealth(full);
      expect(shown).toEqual({ status: full.status, checkedAt: full.checkedAt });
      expect(JSON.stringify(shown)).not.toContain("ops@example.com");
      expect(JSON.stringify(shown)).not.toContain("vendor incident");
    } finally {
      await setKillSwitch(t.db, { enabled: false, actor: "ops@example.com" });
    }
  });
});
