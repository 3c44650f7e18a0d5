import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

const PAYER = "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01";
const NONCE = `0x${"ab".repeat(32)}`;

async function row(id: string, payer: string | null, nonce: string | null) {
  await t.db.$client`
    INSERT INTO transactions (id, agent_id, vendor, amount_micro, status, payer, nonce)
    VALUES (${id}, 'builder_agent', 'vendor.test', 100000, 'authorized', ${payer}, ${nonce})`;
}

describe("one signed authorization, one ledger row", () => {
  it("refuses a second row claiming a payer's nonce, in any case of either", async () => {
    await row("tx_first", PAYER, NONCE);
    await expect(
      row("tx_copy", PAYER.toLowerCase(), NONCE.toUpperCase().replace("0X", "0x")),
    ).rejects.toThrow(/transactions_payer_nonce_key/);
    const ids = await t.db.$client<{ id: string }[]>`SELECT id FROM transactions WHERE nonce IS NOT NULL`;
    expect(ids.map((r) => r.id)).toEqual(["tx_first"]);
  });

  it("lets another payer use the same nonce, and rows without a nonce repeat freely", async () => {
    await row("tx_other_payer", "0x1111111111111111111111111111111111111111", NONCE);
    await row("tx_unsigned_1", PAYER, null);
    await row("tx_unsigned_2", PAYER, null);
    const [n] = await t.db.$client<{ n: number }[]>`SELECT count(*)::int AS n FROM transactions`;
    expect(n?.n).toBe(4);
  });
});
