import { describe, expect, it } from "vitest";
import { toJson } from "./context";
import { snakeCase, snakeKeys } from "./json";

describe("snakeKeys (the CLI's JSON field names)", () => {
  it("spells camelCase names in snake_case", () => {
    expect(
      ["id", "agentId", "apiKeyPrefix", "durationMs", "sha256", "preRestoreBackup"].map(snakeCase),
    ).toEqual(["id", "agent_id", "api_key_prefix", "duration_ms", "sha256", "pre_restore_backup"]);
  });

  it("keeps only the named fields, in the order named, and leaves nested data and bigint as they are", () => {
    const row = {
      agentId: "a1",
      apiKeyHash: "secret",
      createdAt: new Date("2026-12-06T00:00:00.000Z"),
      amountMicro: 1_500_000n,
      metadata: { refusal: { requestedMicro: "1" } },
    };
    const out = snakeKeys(row, ["metadata", "agentId", "amountMicro", "createdAt"]);
    expect(toJson(out)).toBe(
      toJson({
        metadata: { refusal: { requestedMicro: "1" } },
        agent_id: "a1",
        amount_micro: "1500000",
        created_at: "2026-12-06T00:00:00.000Z",
      }),
    );
    expect(out).not.toHaveProperty("api_key_hash");
  });
});
