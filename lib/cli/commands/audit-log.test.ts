import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { writeAudit } from "@/lib/payment-core/audit-log/write";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { cliRunner } from "../test-harness";

let t: TestDatabase;
const x402 = cliRunner(() => t.url);

beforeAll(async () => {
  t = await createTestDatabase();
  for (let i = 1; i <= 4; i++) {
    await writeAudit(t.db, {
      actor: "admin@example.com",
      action: "agent.pause",
      targetType: "agent",
      targetId: `a${i}`,
    });
  }
});
afterAll(async () => t.drop());

describe("x402 audit-log", () => {
  it("verify says the chain is intact, and head prints the anchor it can be checked against", async () => {
    const head = await x402(["audit-log", "head", "--json"]);
    expect(head.code).toBe(0);
    const anchor = head.json().anchor as string;
    expect(anchor).toMatch(/^\d+:[0-9a-f]{64}$/);
    const ok = await x402(["audit-log", "verify", "--anchor", anchor]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^Audit log intact: \d+ rows chained/);
  });

  it("verify exits 1 and names the row a superuser edited", async () => {
    const [target] = await t.db.$client<{ seq: string; id: string }[]>`
      SELECT seq::text, id::text FROM audit_log WHERE target_id = 'a2'`;
    await t.db.$client.begin(async (tx) => {
      await tx`ALTER TABLE audit_log DISABLE TRIGGER USER`;
      await tx`UPDATE audit_log SET actor = 'someone.else@example.com' WHERE target_id = 'a2'`;
      await tx`ALTER TABLE audit_log ENABLE TRIGGER USER`;
    });
    const human = await x402(["audit-log", "verify"]);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain(`Audit log BROKEN at row ${target?.seq} (id ${target?.id}`);
    const json = await x402(["audit-log", "verify", "--json"]);
    expect(json.code).toBe(1);
    expect(json.json()).toMatchObject({
      ok: false,
      firstBreak: { kind: "row_edited", seq: Number(target?.seq) },
    });
  });

  it("a malformed anchor is bad usage, with a code", async () => {
    const r = await x402(["audit-log", "verify", "--anchor", "12:nothex", "--json"]);
    expect(r.code).toBe(2);
    expect(r.json()).toMatchObject({ error: { code: "invalid_anchor" } });
  });
});
