import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { defaultBudgetConfig } from "../budgets/config";
import { formatDollars } from "../support/money";
import {
  AUDIT_ACTION_LABELS,
  auditActionLabel,
  describeAuditChange,
  formatAuditValue,
  withLimitInForce,
} from "./labels";

const ROOT = path.resolve(import.meta.dirname, "../../..");

/** Every `"family.verb"` literal in the files that write audit rows (and their callers' action names). */
function actionsWritten(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) files.push(full);
    }
  };
  for (const dir of ["lib", "db", "app"]) walk(path.join(ROOT, dir));
  const found = new Set<string>();
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    if (!/writeAudit\(|updateAgent\(/.test(text)) continue;
    for (const m of text.matchAll(
      /"((?:agent|alert|auth|budget|budget_audit|cli|cli_token|job|kill_switch|ledger|payment_approval|reconciliation|treasury_owner|user|vendor)\.[a-z_]+[a-z])"/g,
    )) {
      if (m[1]) found.add(m[1]);
    }
  }
  return [...found].sort();
}

describe("audit action names", () => {
  it("every action the code writes has a name a person reads", () => {
    const written = actionsWritten();
    expect(written).toContain("budget.limit_set");
    expect(written).toContain("kill_switch.on");
    expect(written).toContain("treasury_owner.remove");
    expect(written).toContain("cli_token.revoke");
    expect(written.filter((action) => !Object.hasOwn(AUDIT_ACTION_LABELS, action))).toEqual([]);
  });

  it.each([
    ["kill_switch.on", undefined, "Payments stopped"],
    ["kill_switch.off", undefined, "Payments resumed"],
    ["user.add", undefined, "User added"],
    ["user.role_set", undefined, "Role changed"],
    ["budget.limit_set", { kind: "daily", limitMicro: "1" }, "Daily limit changed"],
    ["budget.limit_set", { kind: "monthly", limitMicro: "1" }, "Monthly limit changed"],
    ["budget.limit_set", { kind: "per_transaction", limitMicro: "1" }, "Per-transaction max changed"],
    ["budget.change_requested", { kind: "monthly" }, "Monthly limit change requested"],
    ["wallet.top_up_sent", undefined, "Wallet top up sent"],
  ])("%s (%j) reads %s", (action, after, label) => {
    expect(auditActionLabel(action, null, after)).toBe(label);
  });
});

describe("audit values", () => {
  it("micro-USDC is dollars, formatted as every amount in the console", () => {
    expect(formatAuditValue("limitMicro", "1000000000")).toBe(formatDollars(1_000_000_000n));
    expect(formatAuditValue("requestedLimitMicro", "2500000")).toBe("$2.50");
    expect(formatAuditValue("limitMicro", "1000000000", { source: "default" })).toBe(
      `${formatDollars(1_000_000_000n)} (default)`,
    );
  });

  it("words instead of JSON", () => {
    expect(formatAuditValue("enabled", true)).toBe("on");
    expect(formatAuditValue("disabled", false)).toBe("no");
    expect(formatAuditValue("kind", "per_transaction")).toBe("per-transaction");
    expect(formatAuditValue("hosts", [])).toBe("any");
    expect(formatAuditValue("hosts", ["a.example", "b.example"])).toBe("a.example, b.example");
    expect(formatAuditValue("expiresAt", "2026-12-07T10:15:30.123Z")).toBe("2026-12-07 10:15 UTC");
    expect(formatAuditValue("role", "admin")).toBe("admin");
    expect(formatAuditValue("limitMicro", null)).toBe("none");
  });

  it("an entry is labelled fields; source qualifies the amount instead of being a field", () => {
    expect(
      describeAuditChange(
        { kind: "monthly", limitMicro: "1000000000", source: "default" },
        { agentId: "builder_agent", kind: "monthly", limitMicro: "1500000000" },
      ),
    ).toEqual([
      { key: "kind", label: "Kind", before: "monthly", after: "monthly", change: "same" },
      {
        key: "limitMicro",
        label: "Limit",
        before: `${formatDollars(1_000_000_000n)} (default)`,
        after: formatDollars(1_500_000_000n),
        change: "changed",
      },
      { key: "agentId", label: "Agent", before: undefined, after: "builder_agent", change: "added" },
    ]);
  });
});

describe("the limit in force before a first console limit", () => {
  const config = defaultBudgetConfig({ agentLimits: { research_agent: { monthly: 250_000_000n } } });
  const entry = (targetId: string, before: unknown) => ({
    action: "budget.limit_set",
    targetId,
    before,
    after: { kind: "monthly", limitMicro: "1500000000" },
  });

  it("a null before is the default (or the environment's limit), marked as such", () => {
    const resolved = withLimitInForce(entry("builder_agent", { kind: "monthly", limitMicro: null }), config);
    expect(describeAuditChange(resolved.before, resolved.after)[1]?.before).toBe(
      `${formatDollars(config.defaults.monthly)} (default)`,
    );
    const fromEnv = withLimitInForce(entry("research_agent", { kind: "monthly", limitMicro: null }), config);
    expect(describeAuditChange(fromEnv.before, fromEnv.after)[1]?.before).toBe("$250.00 (environment)");
  });

  it("a recorded before and other actions are left as they are", () => {
    const recorded = entry("builder_agent", { kind: "monthly", limitMicro: "5000000" });
    expect(withLimitInForce(recorded, config)).toBe(recorded);
    const other = { ...recorded, action: "user.add" };
    expect(withLimitInForce(other, config)).toBe(other);
  });
});
