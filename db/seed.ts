import { createHash, randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { hashPassword } from "@/lib/payment-core/access/users";
import { writeAudit } from "@/lib/payment-core/audit-log/write";
import { type BudgetConfig, effectiveLimits } from "@/lib/payment-core/budgets/config";
import { type HistoricalRow, insertHistoricalRows } from "@/lib/payment-core/ledger/write";
import { utcDay, utcMonthStart } from "@/lib/payment-core/support/time";
import type { Database } from "./client";
import { USER_ROLES, users as usersTable } from "./schema";

/**
 * Deterministic, realistic history for the three seed agents, so the console has something
 * true to show: the same `days` on the same UTC day gives the same rows (ids included), and
 * running it again adds nothing. Budgets are respected as the engine would have: attempts
 * past a limit are recorded as rejected, never as spend.
 */

interface Vendor {
  name: string;
  url: string;
  priceMicro: bigint;
  /** Typical latency in ms and the chance the vendor fails. */
  latencyMs: number;
  failRate: number;
}

const VENDORS: Record<string, Vendor> = {
  search: { name: "search-api", url: "/search", priceMicro: 10_000n, latencyMs: 450, failRate: 0.02 },
  scan: { name: "code-scan", url: "/code-scan", priceMicro: 250_000n, latencyMs: 1_600, failRate: 0.03 },
  dataset: { name: "dataset", url: "/dataset", priceMicro: 2_000_000n, latencyMs: 2_800, failRate: 0.02 },
  premium: {
    name: "premium-report",
    url: "/premium-report",
    priceMicro: 15_000_000n,
    latencyMs: 0,
    failRate: 0,
  },
  flaky: { name: "flaky-api", url: "/flaky", priceMicro: 50_000n, latencyMs: 700, failRate: 0.1 },
  slow: { name: "slow-api", url: "/slow", priceMicro: 100_000n, latencyMs: 7_500, failRate: 0.03 },
};

const PROFILES: Record<string, { perDay: number; mix: [keyof typeof VENDORS, number][] }> = {
  builder_agent: {
    perDay: 26,
    mix: [
      ["scan", 40],
      ["dataset", 12],
      ["search", 30],
      ["slow", 10],
      ["flaky", 6],
      ["premium", 2],
    ],
  },
  research_agent: {
    perDay: 44,
    mix: [
      ["search", 55],
      ["dataset", 8],
      ["flaky", 20],
      ["slow", 15],
      ["premium", 2],
    ],
  },
  code_review_agent: {
    perDay: 20,
    mix: [
      ["scan", 70],
      ["search", 20],
      ["flaky", 8],
      ["premium", 2],
    ],
  },
};

const DEMO_VENDOR_ORIGIN = "http://127.0.0.1:4021";
const DEMO_PAYEE = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";
const DEMO_PAYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

/** mulberry32: a tiny seeded generator, so the history is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32BE(0);
}

function pick<T>(random: () => number, mix: [T, number][]): T {
  const total = mix.reduce((s, [, w]) => s + w, 0);
  let r = random() * total;
  for (const [value, weight] of mix) {
    r -= weight;
    if (r < 0) return value;
  }
  return (mix.at(-1) as [T, number])[0];
}

export function demoHistory(options: { days: number; now: Date; config: BudgetConfig }): HistoricalRow[] {
  const { days, now, config } = options;
  const rows: HistoricalRow[] = [];
  const todayStart = Date.parse(`${utcDay(now)}T00:00:00Z`);
  for (const [agentId, profile] of Object.entries(PROFILES)) {
    const limits = effectiveLimits(config, agentId, []);
    const monthSpent = new Map<string, bigint>();
    for (let back = days - 1; back >= 0; back--) {
      const dayStart = todayStart - back * 86_400_000;
      const day = utcDay(new Date(dayStart));
      const random = rng(seedOf(`${agentId}/${day}`));
      const count = Math.round(profile.perDay * (0.7 + random() * 0.6));
      const times = Array.from({ length: count }, () => dayStart + Math.floor(random() * 86_400_000)).sort(
        (a, b) => a - b,
      );
      let daySpent = 0n;
      times.forEach((time, i) => {
        if (time > now.getTime()) return;
        const vendor = VENDORS[pick(random, profile.mix)] as Vendor;
        const month = utcMonthStart(new Date(time));
        const spentThisMonth = monthSpent.get(month) ?? 0n;
        const id = `tx_demo_${day.replace(/-/g, "")}_${agentId.split("_")[0]}_${String(i).padStart(3, "0")}`;
        const base: HistoricalRow = {
          id,
          createdAt: new Date(time).toISOString(),
          agentId,
          vendor: vendor.name,
          resourceUrl: `${DEMO_VENDOR_ORIGIN}${vendor.url}`,
          method: "GET",
          amountMicro: vendor.priceMicro,
          status: "completed",
          network: "eip155:31337",
          payer: DEMO_PAYER,
          payee: DEMO_PAYEE,
          metadata: { demo: true },
        };
        const refusal =
          vendor.priceMicro > limits.per_transaction.limitMicro
            ? "per_transaction_max_exceeded"
            : vendor.priceMicro > config.hardLimitMicro
              ? "hard_limit_exceeded"
              : daySpent + vendor.priceMicro > limits.daily.limitMicro
                ? "daily_limit_exceeded"
                : spentThisMonth + vendor.priceMicro > limits.monthly.limitMicro
                  ? "monthly_limit_exceeded"
                  : null;
        if (refusal) {
          rows.push({
            ...base,
            status: "rejected",
            errorCode: refusal,
            errorMessage: `demo: ${refusal}`,
            latencyMs: 2 + Math.floor(random() * 6),
          });
          return;
        }
        const latency = Math.round(vendor.latencyMs * (0.5 + random() * random() * 3));
        const retries = random() < 0.06 ? 1 + Math.floor(random() * 2) : 0;
        if (random() < vendor.failRate) {
          const code = pick(random, [
            ["vendor_error", 6],
            ["settlement_failed", 2],
            ["network_error", 2],
          ] as [string, number][]);
          rows.push({
            ...base,
            status: "failed",
            errorCode: code,
            errorMessage: `demo: ${code.replace("_", " ")}`,
            latencyMs: latency,
            retryCount: retries,
          });
          return;
        }
        const hash = `0x${createHash("sha256").update(id).digest("hex")}`;
        rows.push({ ...base, txHash: hash, latencyMs: latency, retryCount: retries });
        daySpent += vendor.priceMicro;
        monthSpent.set(month, spentThisMonth + vendor.priceMicro);
      });
    }
  }
  return rows;
}

/** Writes the demo history; returns how many rows were new. */
export async function seedDemo(
  db: Database,
  options: { days: number; now?: Date; config: BudgetConfig; actor: string },
): Promise<{ rows: number; inserted: number }> {
  const rows = demoHistory({ days: options.days, now: options.now ?? new Date(), config: options.config });
  const inserted = await db.transaction(async (tx) => {
    let count = 0;
    for (let i = 0; i < rows.length; i += 1000)
      count += await insertHistoricalRows(tx, rows.slice(i, i + 1000));
    await writeAudit(tx, {
      actor: options.actor,
      action: "ledger.seed_demo",
      targetType: "ledger",
      after: { days: options.days, rows: rows.length, inserted: count },
    });
    return count;
  });
  return { rows: rows.length, inserted };
}

/** One demo user for every role the console has. */
export const DEMO_ROLES = USER_ROLES;

/**
 * One console user per role for the demo and the end-to-end tests (`<role>@demo.local`),
 * created or reset to the given (or a fresh random) password. Demo only: never run against a
 * production database.
 */
export async function seedDemoUsers(
  db: Database,
  options: { actor: string; passwords?: Partial<Record<(typeof DEMO_ROLES)[number], string>> },
): Promise<{ email: string; role: (typeof DEMO_ROLES)[number]; password: string }[]> {
  const users = [];
  for (const role of DEMO_ROLES) {
    const email = `${role}@demo.local`;
    const password = options.passwords?.[role] ?? randomBytes(12).toString("base64url");
    // At the users' cost: a cheaper hash would make a demo email sign in faster than an
    // unknown one, telling which emails exist.
    const hash = await hashPassword(password);
    await db.transaction(async (tx) => {
      await tx
        .insert(usersTable)
        .values({ email, name: `Demo ${role}`, passwordHash: hash, role })
        .onConflictDoUpdate({
          target: usersTable.email,
          set: {
            passwordHash: sql`excluded.password_hash`,
            role: sql`excluded.role`,
            disabled: false,
            updatedAt: sql`now()`,
          },
        });
      await writeAudit(tx, {
        actor: options.actor,
        action: "user.demo_reset",
        targetType: "user",
        targetId: email,
        after: { email, role },
      });
    });
    users.push({ email, role, password });
  }
  return users;
}
