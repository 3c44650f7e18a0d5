import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { parseTimestamptz } from "./client";
import { auditLog } from "./schema";
import { decodeKeyset, encodeKeyset, isoMs, isoSeconds, isoUtc } from "./sql";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

describe("timestamps are parsed once", () => {
  it("turns PostgreSQL's UTC text into ISO-8601 with six fraction digits", () => {
    expect(parseTimestamptz("2026-11-30 15:49:21.123456+00")).toBe("2026-11-30T15:49:21.123456Z");
    expect(parseTimestamptz("2026-11-30 15:49:21.12+00")).toBe("2026-11-30T15:49:21.120000Z");
    expect(parseTimestamptz("2026-11-30 15:49:21+00")).toBe("2026-11-30T15:49:21.000000Z");
    expect(parseTimestamptz("infinity")).toBe("infinity");
  });

  it("raw queries get UTC ISO text with microseconds, whatever offset the value was written in", async () => {
    const sql = t.db.$client;
    const [row] = await sql<{ a: string; b: string; c: string | null }[]>`
      SELECT '2026-11-30T17:49:21.123456+02:00'::timestamptz AS a, '2026-01-01T00:00:00Z'::timestamptz AS b,
        NULL::timestamptz AS c`;
    expect(row).toEqual({ a: "2026-11-30T15:49:21.123456Z", b: "2026-01-01T00:00:00.000000Z", c: null });
  });

  it("drizzle's timestamp columns are Dates; isoUtc keeps the microseconds", async () => {
    const sql = t.db.$client;
    await sql`INSERT INTO audit_log (at, actor, action, target_type) VALUES ('2026-11-30T15:49:21.123456Z', 'a', 'x', 't')`;
    const [row] = await t.db
      .select({ at: auditLog.at, exact: isoUtc(auditLog.at) })
      .from(auditLog)
      .where(eq(auditLog.actor, "a"));
    expect(row?.at).toEqual(new Date("2026-11-30T15:49:21.123Z"));
    expect(row?.exact).toBe("2026-11-30T15:49:21.123456Z");
  });

  it("formats an instant to the millisecond or the second, truncating as PostgreSQL's to_char did", () => {
    expect(isoMs("2026-11-30T15:49:21.123999Z")).toBe("2026-11-30T15:49:21.123Z");
    expect(isoSeconds("2026-11-30T15:49:21.999999Z")).toBe("2026-11-30T15:49:21Z");
  });

  it("round-trips a keyset cursor and refuses anything else", () => {
    expect(decodeKeyset(encodeKeyset("2026-11-30T15:49:21.123456Z", "42"))).toEqual([
      "2026-11-30T15:49:21.123456Z",
      "42",
    ]);
    expect(decodeKeyset("bm90LWpzb24")).toBeNull();
    expect(decodeKeyset(Buffer.from("[1,2]").toString("base64url"))).toBeNull();
  });
});
