import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, truncate } from "@/lib/testing/db";
import { type AuditRecord, listAuditFacets, listAuditLog, writeAudit } from "./write";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());
beforeEach(async () => {
  await truncate(t.db, "audit_log RESTART IDENTITY");
});

async function entry(at: string, fields: Partial<Parameters<typeof writeAudit>[1]> = {}): Promise<void> {
  await t.db.transaction(async (tx) => {
    await writeAudit(tx, {
      actor: "admin@example.com",
      action: "user.add",
      targetType: "user",
      targetId: "u1",
      ...fields,
    });
    // Backdated as a test's fixture: the append-only trigger is lifted for this transaction only.
    await tx.execute(sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
    await tx.execute(
      sql`UPDATE audit_log SET at = ${at}::timestamptz WHERE id = (SELECT max(id) FROM audit_log)`,
    );
    await tx.execute(sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`);
  });
}

async function all(filter: Parameters<typeof listAuditLog>[1], limit: number): Promise<AuditRecord[][]> {
  const pages: AuditRecord[][] = [];
  let cursor: string | null = null;
  do {
    const page: Awaited<ReturnType<typeof listAuditLog>> = await listAuditLog(t.db, filter, {
      limit,
      cursor,
    });
    pages.push(page.rows);
    cursor = page.nextCursor;
  } while (cursor);
  return pages;
}

describe("listAuditLog", () => {
  it("returns who, when (UTC, microseconds), what, before, after and reason, newest first", async () => {
    await entry("2026-11-25T10:00:00.000001Z", {
      action: "budget.limit_set",
      targetType: "agent",
      targetId: "builder_agent",
      before: { dailyMicro: 100_000_000n },
      after: { dailyMicro: 150_000_000n },
      reason: "launch week",
    });
    await entry("2026-11-26T08:30:00Z", {
      action: "kill_switch.on",
      targetType: "setting",
      targetId: "kill_switch",
    });
    const { rows, nextCursor } = await listAuditLog(t.db);
    expect(nextCursor).toBeNull();
    expect(rows.map((r) => r.action)).toEqual(["kill_switch.on", "budget.limit_set"]);
    expect(rows[1]).toEqual({
      id: expect.any(String),
      at: "2026-11-25T10:00:00.000001Z",
      actor: "admin@example.com",
      action: "budget.limit_set",
      targetType: "agent",
      targetId: "builder_agent",
      targetLabel: null,
      before: { dailyMicro: "100000000" },
      after: { dailyMicro: "150000000" },
      reason: "launch week",
    });
    expect(rows[0]).toMatchObject({ before: null, after: null, reason: null });
  });

  it("pages through rows that share a timestamp without skipping or repeating any", async () => {
    // One transaction writes all its rows with the same now(): the id must break the tie.
    await t.db.transaction(async (tx) => {
      for (let i = 0; i < 7; i++) {
        await writeAudit(tx, {
          actor: "a",
          action: "x",
          targetType: "t",
          targetId: String(i),
        });
      }
    });
    await entry("2026-01-01T00:00:00Z", { targetId: "old" });
    const pages = await all({}, 3);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 2]);
    expect(pages.flat().map((r) => r.targetId)).toEqual(["6", "5", "4", "3", "2", "1", "0", "old"]);
  });

  it("filters by actor, action, target and a half-open time range", async () => {
    await entry("2026-11-24T23:59:59.999999Z", { actor: "ann@example.com", targetId: "u1" });
    await entry("2026-11-25T00:00:00Z", {
      actor: "ann@example.com",
      action: "user.role_set",
      targetId: "u2",
    });
    await entry("2026-11-25T12:00:00Z", {
      actor: "bob@example.com",
      action: "user.role_set",
      targetId: "u2",
    });
    await entry("2026-11-26T00:00:00Z", {
      actor: "bob@example.com",
      action: "agent.add",
      targetType: "agent",
    });
    const ids = async (filter: Parameters<typeof listAuditLog>[1]) =>
      (await listAuditLog(t.db, filter)).rows.map((r) => r.at);
    expect(await ids({ actor: "ann@example.com" })).toEqual([
      "2026-11-25T00:00:00.000000Z",
      "2026-11-24T23:59:59.999999Z",
    ]);
    expect(await ids({ action: "user.role_set", targetType: "user", targetId: "u2" })).toEqual([
      "2026-11-25T12:00:00.000000Z",
      "2026-11-25T00:00:00.000000Z",
    ]);
    expect(await ids({ targetType: "agent" })).toEqual(["2026-11-26T00:00:00.000000Z"]);
    // The UTC day of the 25th: its first microsecond is in, the next midnight is out.
    expect(await ids({ from: "2026-11-25T00:00:00Z", to: "2026-11-26T00:00:00Z" })).toEqual([
      "2026-11-25T12:00:00.000000Z",
      "2026-11-25T00:00:00.000000Z",
    ]);
    expect(await ids({ actor: "nobody" })).toEqual([]);
  });

  it("refuses a forged cursor or a bad limit with a code", async () => {
    await expect(listAuditLog(t.db, {}, { cursor: "bm90LWpzb24" })).rejects.toMatchObject({
      code: "invalid_cursor",
    });
    const forged = Buffer.from(JSON.stringify(["2026-11-26T00:00:00Z", "1; DROP TABLE x"])).toString(
      "base64url",
    );
    await expect(listAuditLog(t.db, {}, { cursor: forged })).rejects.toMatchObject({
      code: "invalid_cursor",
    });
    await expect(listAuditLog(t.db, {}, { limit: 0 })).rejects.toMatchObject({ code: "invalid_limit" });
  });

  it("names user targets by their email", async () => {
    const [user] = await t.db.$client<{ id: string }[]>`
      INSERT INTO users (email, password_hash, role) VALUES ('ann@example.com', 'x', 'viewer') RETURNING id`;
    await entry("2026-11-25T00:00:00Z", { action: "user.sign_in", targetType: "user", targetId: user?.id });
    await entry("2026-11-25T00:00:01Z", {
      action: "user.sign_in",
      targetType: "user",
      targetId: "not-a-uuid",
    });
    await entry("2026-11-25T00:00:02Z", { action: "agent.add", targetType: "agent", targetId: user?.id });
    const { rows } = await listAuditLog(t.db);
    expect(rows.map((r) => r.targetLabel)).toEqual([null, null, "ann@example.com"]);
    await t.db.$client`DELETE FROM users`;
  });

  it("leaves out hidden actions (sign-ins) across pages, unless that action is asked for", async () => {
    for (let i = 0; i < 5; i++) {
      await entry(`2026-11-25T00:00:0${i}Z`, { action: i % 2 === 0 ? "user.sign_in" : "kill_switch.on" });
    }
    await entry("2026-11-25T00:00:09Z", { action: "auth.sign_in_failed", targetType: "email" });
    const hideActions = ["user.sign_in", "auth.sign_in_failed"];
    const pages = await all({ hideActions }, 1);
    expect(pages.flat().map((r) => r.action)).toEqual(["kill_switch.on", "kill_switch.on"]);
    const asked = await listAuditLog(t.db, { hideActions, action: "user.sign_in" });
    expect(asked.rows).toHaveLength(3);
    expect((await listAuditLog(t.db, {})).rows).toHaveLength(6);
  });

  it("lists the distinct actions, actors and target types for the filters", async () => {
    await entry("2026-11-25T00:00:00Z", { action: "user.add", actor: "b@example.com" });
    await entry("2026-11-25T00:00:01Z", {
      action: "kill_switch.on",
      actor: "a@example.com",
      targetType: "setting",
    });
    await entry("2026-11-25T00:00:02Z", { action: "user.add", actor: "a@example.com" });
    expect(await listAuditFacets(t.db)).toEqual({
      actions: ["kill_switch.on", "user.add"],
      actors: ["a@example.com", "b@example.com"],
      targetTypes: ["setting", "user"],
    });
  });
});
