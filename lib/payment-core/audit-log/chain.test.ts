import type { TransactionSql } from "postgres";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, truncate } from "@/lib/testing/db";
import { GENESIS_HASH, parseAnchor, publishAuditHead, verifyAuditChain } from "./chain";
import { writeAudit } from "./write";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());
beforeEach(async () => {
  await truncate(t.db, "audit_log");
});

async function write(n: number, actor = "admin@example.com"): Promise<void> {
  for (let i = 0; i < n; i++) {
    await writeAudit(t.db, {
      actor,
      action: "budget.limit_set",
      targetType: "agent",
      targetId: `agent_${i}`,
      before: { limitMicro: String(i * 1_000_000) },
      after: { limitMicro: String((i + 1) * 1_000_000), note: 'ünïcode "quoted" \\ ok' },
      reason: i % 2 ? null : "raise for the launch",
    });
  }
}

/** What a superuser can do: lift the triggers and change rows (and the head) as they like. */
async function asSuperuser(fn: (sql: TransactionSql) => Promise<unknown>): Promise<void> {
  await t.db.$client.begin(async (tx) => {
    await tx`ALTER TABLE audit_log DISABLE TRIGGER USER`;
    await fn(tx);
    await tx`ALTER TABLE audit_log ENABLE TRIGGER USER`;
  });
}

const chain = () =>
  t.db.$client<{ seq: string; prev_hash: string; hash: string }[]>`
    SELECT seq::text, prev_hash, hash FROM audit_log ORDER BY audit_log.seq`;

describe("the audit log's hash chain", () => {
  it("chains every row to the one before it, from the genesis hash, and verifies", async () => {
    await write(5);
    const rows = await chain();
    expect(rows.map((r) => r.seq)).toEqual(["1", "2", "3", "4", "5"]);
    expect(rows[0]?.prev_hash).toBe(GENESIS_HASH);
    for (let i = 1; i < rows.length; i++) expect(rows[i]?.prev_hash).toBe(rows[i - 1]?.hash);
    const result = await verifyAuditChain(t.db);
    // The trigger's canonical JSON and verify's are the same text, or nothing would verify.
    expect(result).toMatchObject({
      ok: true,
      rows: 5,
      head: { seq: 5, hash: rows[4]?.hash },
      firstBreak: null,
    });
  });

  it("ignores the chain columns a writer passes: the trigger sets them", async () => {
    await write(1);
    await t.db.$client`
      INSERT INTO audit_log (actor, action, target_type, seq, prev_hash, hash)
      VALUES ('mallory', 'x.forged', 'x', 1, ${GENESIS_HASH}, ${"f".repeat(64)})`;
    const rows = await chain();
    expect(rows[1]).toMatchObject({ seq: "2", prev_hash: rows[0]?.hash });
    expect(rows[1]?.hash).not.toBe("f".repeat(64));
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it("stays one line when many processes write at once (no two rows share a prev_hash)", async () => {
    const pools = [t.connect(4), t.connect(4), t.connect(4)];
    await Promise.all(
      pools.flatMap((db, p) =>
        Array.from({ length: 20 }, (_, i) =>
          db.transaction((tx) =>
            writeAudit(tx, {
              actor: `process_${p}`,
              action: "agent.pause",
              targetType: "agent",
              targetId: `a${i}`,
            }),
          ),
        ),
      ),
    );
    const rows = await chain();
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(new Set(rows.map((r) => r.prev_hash)).size).toBe(60);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, rows: 60 });
  });

  it("a rolled-back write leaves no gap in the chain", async () => {
    await write(1);
    await expect(
      t.db.transaction(async (tx) => {
        await writeAudit(tx, { actor: "a", action: "x", targetType: "x" });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    await write(1);
    expect((await chain()).map((r) => r.seq)).toEqual(["1", "2"]);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });
});

describe("the database refuses to change the record", () => {
  it("refuses UPDATE, DELETE and TRUNCATE of audit rows, and keeps them", async () => {
    await write(3);
    const sql = t.db.$client;
    await expect(sql`UPDATE audit_log SET actor = 'someone else' WHERE seq = 2`).rejects.toThrow(
      /audit_log_append_only: UPDATE/,
    );
    await expect(sql`DELETE FROM audit_log WHERE seq = 3`).rejects.toThrow(/audit_log_append_only: DELETE/);
    await expect(sql`TRUNCATE audit_log`).rejects.toThrow(/audit_log_append_only: TRUNCATE/);
    await expect(sql`DELETE FROM audit_chain_head`).rejects.toThrow(/audit_log_append_only/);
    const [row] = await sql<{ n: number; actors: string[] }[]>`
      SELECT count(*)::int AS n, array_agg(DISTINCT actor) AS actors FROM audit_log`;
    expect(row).toEqual({ n: 3, actors: ["admin@example.com"] });
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });
});

describe("verify finds what a superuser did with the triggers off", () => {
  it("names an edited row", async () => {
    await write(6);
    await asSuperuser((sql) => sql`UPDATE audit_log SET after = '{"limitMicro": "1"}' WHERE seq = 4`);
    const result = await verifyAuditChain(t.db);
    expect(result.ok).toBe(false);
    expect(result.firstBreak).toMatchObject({ kind: "row_edited", seq: 4, action: "budget.limit_set" });
  });

  it("names the row after a deleted one", async () => {
    await write(6);
    await asSuperuser((sql) => sql`DELETE FROM audit_log WHERE seq = 3`);
    expect((await verifyAuditChain(t.db)).firstBreak).toMatchObject({ kind: "rows_missing", seq: 4 });
  });

  it("finds the same first break whether the ranges are checked one by one or in parallel", async () => {
    await write(9);
    // Rows 3 (a range's first with 3 ranges: 1-3, 4-6, 7-9) and 7 gone; row 5 edited.
    await asSuperuser(async (sql) => {
      await sql`DELETE FROM audit_log WHERE seq IN (4, 7)`;
      await sql`UPDATE audit_log SET reason = 'changed' WHERE seq = 5`;
    });
    for (const parallel of [1, 2, 3, 4, 9]) {
      expect((await verifyAuditChain(t.db, { parallel })).firstBreak, `parallel ${parallel}`).toMatchObject({
        kind: "rows_missing",
        seq: 5,
        expected: "4",
      });
    }
    await asSuperuser((sql) => sql`DELETE FROM audit_log WHERE seq = 5`);
    for (const parallel of [1, 3]) {
      expect((await verifyAuditChain(t.db, { parallel })).firstBreak).toMatchObject({
        kind: "rows_missing",
        seq: 6,
      });
    }
  });

  it("names a row whose link was forged to hide a deletion (seq renumbered)", async () => {
    await write(5);
    await asSuperuser(async (sql) => {
      await sql`DELETE FROM audit_log WHERE seq = 3`;
      await sql`UPDATE audit_log SET seq = seq - 1 WHERE seq > 3`;
    });
    // Row 4 became 3: its seq is part of what its hash covers.
    expect((await verifyAuditChain(t.db)).firstBreak).toMatchObject({ kind: "row_edited", seq: 3 });
  });

  it("finds the last rows gone (the head the chain recorded is further on)", async () => {
    await write(4);
    await asSuperuser((sql) => sql`DELETE FROM audit_log WHERE seq >= 3`);
    expect((await verifyAuditChain(t.db)).firstBreak).toMatchObject({
      kind: "tail_missing",
      seq: 3,
      expected: expect.stringMatching(/^4:/),
    });
  });

  it("a chain rewritten with every later hash recomputed verifies alone, not against the published head", async () => {
    await write(3);
    const published = await t.db.transaction((tx) =>
      publishAuditHead(tx, { now: new Date("2026-12-06T09:00:00Z") }),
    );
    expect(published).toMatchObject({ published: true, seq: 3 });
    await write(2);
    const anchor = parseAnchor(`${published.seq}:${published.hash}`);
    expect(await verifyAuditChain(t.db, { anchors: [anchor] })).toMatchObject({ ok: true, rows: 6 });
    // Rewrite row 2 and re-chain everything after it, head included, as a careful insider would.
    await asSuperuser(async (sql) => {
      await sql`UPDATE audit_log SET actor = 'nobody' WHERE seq = 2`;
      await sql.unsafe(`
        DO $$
        DECLARE r audit_log%ROWTYPE; prev text;
        BEGIN
          SELECT hash INTO prev FROM audit_log WHERE seq = 1;
          FOR r IN SELECT * FROM audit_log WHERE seq >= 2 ORDER BY seq LOOP
            r.prev_hash := prev;
            r.hash := encode(sha256(convert_to(prev || audit_log_canonical(r), 'UTF8')), 'hex');
            UPDATE audit_log SET prev_hash = r.prev_hash, hash = r.hash WHERE id = r.id;
            prev := r.hash;
          END LOOP;
          UPDATE audit_chain_head SET hash = prev;
        END $$`);
    });
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
    expect((await verifyAuditChain(t.db, { anchors: [anchor] })).firstBreak).toMatchObject({
      kind: "anchor_mismatch",
      seq: 3,
      expected: published.hash,
    });
  });
});

describe("the published head", () => {
  it("is written into the log once a UTC day, naming the head before it", async () => {
    await write(2);
    const publish = () =>
      t.db.transaction((tx) => publishAuditHead(tx, { now: new Date("2026-12-06T09:00:00Z") }));
    const first = await publish();
    expect(first).toMatchObject({ published: true, day: "2026-12-06", seq: 2 });
    expect(await publish()).toMatchObject({ published: false });
    const [row] = await t.db.$client<{ seq: string; after: { seq: number; hash: string } }[]>`
      SELECT seq::text, after FROM audit_log WHERE action = 'audit_log.head_published'`;
    expect(row).toMatchObject({ seq: "3", after: { seq: 2, hash: first.hash } });
  });

  it("refuses an anchor that is not seq:hash", () => {
    for (const bad of ["", "3", `0:${"a".repeat(64)}`, "3:abc", `x:${"a".repeat(64)}`]) {
      expect(() => parseAnchor(bad)).toThrow(expect.objectContaining({ code: "invalid_anchor" }));
    }
  });
});
