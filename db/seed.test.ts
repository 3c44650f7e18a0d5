import { describe, expect, it } from "vitest";
import { defaultBudgetConfig } from "@/lib/payment-core/budgets/config";
import { demoHistory } from "./seed";

describe("demo history", () => {
  const now = new Date("2026-11-26T15:30:00.000Z");
  const config = defaultBudgetConfig();

  it("is deterministic and ends at the given moment", () => {
    const a = demoHistory({ days: 30, now, config });
    const b = demoHistory({ days: 30, now, config });
    expect(b).toEqual(a);
    expect(new Set(a.map((r) => r.id)).size).toBe(a.length);
    expect(a.every((r) => Date.parse(r.createdAt) <= now.getTime())).toBe(true);
    expect(a.some((r) => r.createdAt.startsWith("2026-10-28"))).toBe(true);
    expect(a.some((r) => r.createdAt.startsWith("2026-10-27"))).toBe(false);
  });

  it("is realistic: every agent, failures, refusals, latencies, and never over a limit", () => {
    const rows = demoHistory({ days: 30, now, config });
    expect(new Set(rows.map((r) => r.agentId))).toEqual(
      new Set(["builder_agent", "research_agent", "code_review_agent"]),
    );
    const by = (s: string) => rows.filter((r) => r.status === s).length;
    expect(by("completed")).toBeGreaterThan(by("failed"));
    expect(by("failed")).toBeGreaterThan(0);
    expect(rows.some((r) => r.errorCode === "per_transaction_max_exceeded")).toBe(true);
    expect(
      rows.filter((r) => r.status === "completed").every((r) => r.txHash?.match(/^0x[0-9a-f]{64}$/)),
    ).toBe(true);
    const daily = new Map<string, bigint>();
    const monthly = new Map<string, bigint>();
    for (const r of rows.filter((r) => r.status === "completed")) {
      const d = `${r.agentId}/${r.createdAt.slice(0, 10)}`;
      const m = `${r.agentId}/${r.createdAt.slice(0, 7)}`;
      daily.set(d, (daily.get(d) ?? 0n) + r.amountMicro);
      monthly.set(m, (monthly.get(m) ?? 0n) + r.amountMicro);
    }
    expect([...daily.values()].every((v) => v <= config.defaults.daily)).toBe(true);
    expect([...monthly.values()].every((v) => v <= config.defaults.monthly)).toBe(true);
  });
});
