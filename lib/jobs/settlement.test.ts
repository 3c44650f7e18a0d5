import { describe, expect, it } from "vitest";
import type { ResolveReport } from "@/lib/payment-core/settlement/resolver";
import { startSettlementSchedule } from "./settlement";

const report = (captured = 0): ResolveReport => ({
  scanned: captured,
  resolutions: [],
  counts: { captured, released: 0, cancelled: 0, held: 0, skipped: 0 },
});

describe("the settlement schedule", () => {
  it("runs at start, never overlaps, survives a failing run and stops cleanly", async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const lines: string[] = [];
    const schedule = startSettlementSchedule({
      intervalMs: 20,
      log: (l) => lines.push(l),
      run: async () => {
        runs++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 30));
        running--;
        if (runs === 2) throw new Error("chain down");
        return report(runs === 3 ? 1 : 0);
      },
    });
    expect(runs).toBe(1);
    await new Promise((r) => setTimeout(r, 260));
    await schedule.stop();
    const after = runs;
    await new Promise((r) => setTimeout(r, 80));
    expect(runs).toBe(after);
    expect(runs).toBeGreaterThanOrEqual(4);
    expect(maxRunning).toBe(1);
    expect(lines).toContain("settlement: run failed: chain down");
    expect(lines).toContain("settlement: 1 captured, 0 released, 0 cancelled, 0 held");
    expect(schedule.last()?.report).toBeDefined();
  });
});
