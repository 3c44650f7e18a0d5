import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { closeDb, createDb, type Database, parseDatabaseUrl, poolModeOf } from "@/db/client";
import { DirectUrlRequired, migrateDatabase } from "@/db/migrate";
import { parseEnv } from "@/lib/env";
import { setLimit } from "@/lib/payment-core/budgets/usage";
import { runJob } from "@/lib/payment-core/jobs";
import { withLease } from "@/lib/payment-core/jobs/leases";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/db";
import { type PgBouncer, startPgBouncer } from "@/lib/testing/pgbouncer";
import { runX402 } from "@/lib/testing/spawn";

/**
 * The app as it runs on Vercel or several `next start` processes with a managed PostgreSQL: N
 * processes, each with its own pool, reaching the database through a real PgBouncer 1.18 in
 * transaction mode (consecutive statements of one client may run on different server
 * connections). Each app process here is a real process (lib/testing/pooled-child.ts).
 */

let t: TestDatabase;
let bouncer: PgBouncer;
beforeAll(async () => {
  t = await createTestDatabase();
  bouncer = await startPgBouncer(inject("pgServerUrl"), { poolSize: 8 });
});
afterAll(async () => {
  await bouncer?.stop();
  await t?.drop();
});

/**
 * Runs one app process per entry of `args` through the pooler and returns each one's last JSON line.
 * The processes are ordered by barriers, not by a clock: a process that reaches a barrier (it prints
 * `{"barrier": name}`) waits until every process has reached it, or ended, then all go on at once
 * (lib/testing/pooled-child.ts). However slow the machine, no process acts before the others are there.
 */
async function processes<T>(args: Record<string, unknown>[]): Promise<T[]> {
  const arrived = new Map<string, number>();
  let ended = 0;
  const children = args.map((a) =>
    spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        path.resolve("lib/testing/pooled-child.ts"),
        JSON.stringify({ databaseUrl: bouncer.url(t.name), barriers: true, ...a }),
      ],
      { stdio: ["pipe", "pipe", "pipe"] },
    ),
  );
  const releaseWhenAllThere = () => {
    for (const [name, n] of arrived) {
      if (n + ended < children.length) continue;
      arrived.delete(name);
      for (const c of children) if (c.exitCode === null && c.stdin.writable) c.stdin.write(`go ${name}\n`);
    }
  };
  const results = await Promise.all(
    children.map(
      (child) =>
        new Promise<T>((resolve, reject) => {
          let out = "";
          let err = "";
          let buffered = "";
          child.stderr.setEncoding("utf8").on("data", (d: string) => {
            err += d;
          });
          child.stdout.setEncoding("utf8").on("data", (d: string) => {
            out += d;
            buffered += d;
            let nl = buffered.indexOf("\n");
            while (nl >= 0) {
              const line = buffered.slice(0, nl);
              buffered = buffered.slice(nl + 1);
              const name = line.startsWith('{"barrier":')
                ? (JSON.parse(line) as { barrier: string }).barrier
                : null;
              if (name) {
                arrived.set(name, (arrived.get(name) ?? 0) + 1);
                releaseWhenAllThere();
              }
              nl = buffered.indexOf("\n");
            }
          });
          child.once("close", (code) => {
            ended++;
            releaseWhenAllThere();
            if (code !== 0) reject(new Error(`pooled child exited with ${code}\n${out}\n${err}`));
            else resolve(JSON.parse(out.trim().split("\n").at(-1) ?? "null") as T);
          });
        }),
    ),
  );
  return results;
}

describe("configuration for a transaction-mode pooler", () => {
  it("pgbouncer=true in the URL means transaction mode and is not sent to the server", () => {
    expect(parseDatabaseUrl("postgres://u:p@pool.example:6543/db?pgbouncer=true&sslmode=require")).toEqual({
      url: "postgres://u:p@pool.example:6543/db?sslmode=require",
      poolMode: "transaction",
    });
    expect(parseDatabaseUrl("postgres://u@db.example/db")).toEqual({
      url: "postgres://u@db.example/db",
      poolMode: undefined,
    });
  });

  it("reads DATABASE_POOL_MODE, DATABASE_POOL_MAX and DATABASE_DIRECT_URL, with defaults for a server and a function", () => {
    const pooled = "postgres://app@pool.example:6543/x402";
    const direct = "postgres://app@db.example:5432/x402";
    expect(parseEnv({ DATABASE_URL: direct }).database).toEqual({
      poolMode: "session",
      poolMax: 10,
      migrationUrl: direct,
    });
    expect(
      parseEnv({
        DATABASE_URL: pooled,
        DATABASE_POOL_MODE: "transaction",
        DATABASE_DIRECT_URL: direct,
        VERCEL: "1",
      }).database,
    ).toEqual({ poolMode: "transaction", poolMax: 3, migrationUrl: direct });
    expect(
      parseEnv({ DATABASE_URL: `${pooled}?pgbouncer=true`, DATABASE_POOL_MAX: "25" }).database,
    ).toMatchObject({
      poolMode: "transaction",
      poolMax: 25,
    });
    const bad = (vars: Record<string, string>) => {
      try {
        parseEnv(vars);
        return null;
      } catch (error) {
        return (error as { issues?: { variable: string }[] }).issues?.map((i) => i.variable);
      }
    };
    expect(bad({ DATABASE_URL: pooled, DATABASE_POOL_MODE: "statement" })).toEqual(["DATABASE_POOL_MODE"]);
    // One connection would deadlock a job whose run and queries overlap.
    expect(bad({ DATABASE_URL: pooled, DATABASE_POOL_MAX: "1" })).toEqual(["DATABASE_POOL_MAX"]);
    expect(bad({ DATABASE_DIRECT_URL: direct })).toEqual(["DATABASE_DIRECT_URL"]);
  });

  it("migrations refuse a pooled handle with direct_url_required, and run over the direct one", async () => {
    const pooled = createDb(bouncer.url(t.name), { max: 2 });
    try {
      expect(poolModeOf(pooled)).toBe("transaction");
      const error = await migrateDatabase(pooled).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DirectUrlRequired);
      expect(error).toMatchObject({ code: "direct_url_required" });
      await migrateDatabase(t.db);
    } finally {
      await closeDb(pooled);
    }
  });
  it("x402 db migrate with a pooled DATABASE_URL: refused alone, run over DATABASE_DIRECT_URL", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: bouncer.url(t.name) };
    delete env.DATABASE_DIRECT_URL;
    const alone = await runX402(["db", "migrate", "--json"], { env });
    expect(alone.code).toBe(2);
    expect(JSON.parse(alone.stdout)).toMatchObject({ error: { code: "direct_url_required" } });
    const direct = await runX402(["db", "migrate", "--json"], {
      env: { ...env, DATABASE_DIRECT_URL: t.url },
    });
    expect(direct.code).toBe(0);
    expect(JSON.parse(direct.stdout)).toMatchObject({ migrations: { current: true } });
  });
});

describe(`behind a real PgBouncer in transaction mode`, () => {
  it("is PgBouncer 1.18 in transaction mode, and the app's queries run through it", async () => {
    expect(bouncer.version).toMatch(/^1\.\d+/);
    const pooled = createDb(bouncer.url(t.name), { max: 4 });
    try {
      // Many concurrent statements over few connections, with and without parameters, and
      // transactions, as a page sends them: each may land on any server connection. (Pipelined,
      // a statement with parameters queued behind one without hangs its connection: db/no-pipeline.ts.)
      const all = Promise.all(
        Array.from({ length: 400 }, (_, i) =>
          i % 4 === 0
            ? pooled.$client<{ n: number }[]>`SELECT ${i}::int AS n`
            : i % 4 === 1
              ? pooled.$client<{ n: number }[]>`SELECT 1 AS n`
              : i % 4 === 2
                ? pooled.$client.begin(async (tx) => {
                    await tx`SELECT 1`;
                    return tx<{ n: number }[]>`SELECT ${i}::int AS n`;
                  })
                : pooled.$client.unsafe<{ n: number }[]>("SELECT $1::int AS n", [i]),
        ),
      );
      // A hang (the pipelining trap) runs into the test's timeout; no deadline of its own here.
      const answers = await all;
      expect(answers.map((a) => a[0]?.n)).toEqual(
        Array.from({ length: 400 }, (_, i) => (i % 4 === 1 ? 1 : i)),
      );
      const [show] = await pooled.$client<{ tz: string }[]>`SELECT current_setting('TimeZone') AS tz`;
      expect(show?.tz).toBe("UTC");
    } finally {
      await closeDb(pooled);
    }
  });

  it("three app processes reserve at the daily edge: exactly the affordable number, never over the limit", async () => {
    const limit = 10_000_000n + 123_457n;
    const price = 370_001n;
    await setLimit(t.db, { agentId: "builder_agent", kind: "daily", limitMicro: limit, actor: "test" });
    const affordable = Number(limit / price);
    const outcomes = await processes<{ reserved: number; refused: string[] }>(
      [0, 1, 2].map((p) => ({
        op: "reserve",
        agentId: "builder_agent",
        priceMicro: String(price),
        count: 16,
        // Every process reserves until the engine has answered each request, and releases only
        // once all three are done reserving (the `reserved` barrier): the limit alone bounds the count.
        keyPrefix: `edge-${p}`,
      })),
    );
    expect(outcomes.reduce((n, o) => n + o.reserved, 0)).toBe(affordable);
    expect(outcomes.flatMap((o) => o.refused)).toEqual(
      Array.from({ length: 48 - affordable }, () => "daily_limit_exceeded"),
    );
    const [sums] = await t.db.$client<{ completed: bigint; open: bigint; spent: bigint; reserved: bigint }[]>`
      SELECT
        (SELECT coalesce(sum(amount_micro), 0)::bigint FROM transactions
          WHERE agent_id = 'builder_agent' AND status = 'completed') AS completed,
        (SELECT count(*)::bigint FROM transactions
          WHERE agent_id = 'builder_agent' AND status IN ('pending', 'authorized')) AS open,
        (SELECT coalesce(sum(spent_micro), 0)::bigint FROM budget_usage
          WHERE agent_id = 'builder_agent' AND period = 'day') AS spent,
        (SELECT coalesce(sum(reserved_micro), 0)::bigint FROM budget_usage
          WHERE agent_id = 'builder_agent' AND period = 'day') AS reserved`;
    // Each process committed half of what it reserved and released the rest: the window agrees with the ledger.
    expect(sums?.open).toBe(0n);
    expect(sums?.reserved).toBe(0n);
    expect(sums?.spent).toBe(sums?.completed);
    expect((sums?.spent ?? 0n) <= limit).toBe(true);
    const committed = outcomes.reduce((n, o) => n + Math.ceil(o.reserved / 2), 0);
    expect(sums?.spent).toBe(BigInt(committed) * price);
  });

  it("a job triggered in two processes for the same slot runs once; a later trigger of that slot is skipped", async () => {
    const slotAt = "2026-06-01T12:00:30.000Z";
    const outcomes = await processes<{ status: string; reason: string | null }>([
      { op: "job", slotAt, holdMs: 1_500 },
      { op: "job", slotAt, holdMs: 1_500 },
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(["skipped", "succeeded"]);
    const runs = await t.db.$client<{ status: string; slot: string }[]>`
      SELECT status::text AS status, slot FROM job_runs WHERE job = 'alerts'`;
    expect(runs).toEqual([{ status: "succeeded", slot: "2026-06-01T12:00:00.000000Z" }]);
    // The lease was freed: a third trigger for the same minute finds the slot done, not running.
    const [late] = await processes<{ status: string; reason: string | null }>([
      { op: "job", slotAt: "2026-06-01T12:00:59.000Z", holdMs: 0 },
    ]);
    expect(late).toEqual({ status: "skipped", reason: "already_ran" });
    const [leases] = await t.db.$client<{ n: number }[]>`SELECT count(*)::int AS n FROM leases`;
    expect(leases?.n).toBe(0);
  });

  it("a job's process killed mid-run: the job stays taken until its lease expires, then the next run marks the row abandoned", async () => {
    const slotAt = "2026-06-02T08:00:10.000Z";
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        path.resolve("lib/testing/pooled-child.ts"),
        JSON.stringify({
          op: "job",
          databaseUrl: bouncer.url(t.name),
          slotAt,
          holdMs: 600_000,
          // Long enough that no machine is slow enough for it to run out before the test looks.
          leaseTtlMs: 600_000,
        }),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        out += d;
        if (out.includes('"started":true')) resolve();
      });
      child.once("exit", () => reject(new Error(`the job's process ended before its run started: ${out}`)));
    });
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const pooled = createDb(bouncer.url(t.name), { max: 2 });
    try {
      const alerts = {
        name: "alerts" as const,
        schedule: "* * * * *",
        description: "pooled test",
        unavailable: null,
        run: async () => ({ output: { after: "crash" } }),
      };
      // Within the dead holder's lease: still taken.
      expect(await runJob(pooled, alerts)).toMatchObject({ status: "skipped", reason: "already_running" });
      // Nobody renews it any more: its time runs out (the database's clock decides, moved on here
      // instead of waited for).
      const expired = await t.db.$client`
        UPDATE leases SET expires_at = clock_timestamp() - interval '1 millisecond'
        WHERE key = 'job:alerts' AND expires_at >= clock_timestamp()`;
      expect(expired.count).toBe(1);
      const next = await runJob(pooled, alerts);
      expect(next).toMatchObject({ status: "succeeded", output: { after: "crash" } });
      const runs = await t.db.$client<{ status: string; error: string | null; slot: string | null }[]>`
        SELECT status::text AS status, error, slot FROM job_runs
        WHERE job = 'alerts' AND (slot = ${slotAt}::timestamptz - interval '10 seconds' OR slot IS NULL)
        ORDER BY id`;
      expect(runs).toEqual([
        {
          status: "failed",
          error: "abandoned: the process running it stopped",
          slot: "2026-06-02T08:00:00.000000Z",
        },
        { status: "succeeded", error: null, slot: null },
      ]);
    } finally {
      await closeDb(pooled);
    }
  });

  it("a rate limit holds across three processes: 12 allowed of 3 × 10 requests", async () => {
    const outcomes = await processes<{ allowed: number }>(
      [0, 1, 2].map(() => ({ op: "take", keyPrefix: "pooled_test", key: "agent-x", limit: 12, count: 10 })),
    );
    expect(outcomes.reduce((n, o) => n + o.allowed, 0)).toBe(12);
  });

  it("a lease taken through the pooler excludes every other holder, and a dead holder's lease expires", async () => {
    const pools: Database[] = [0, 1, 2].map(() => createDb(bouncer.url(t.name), { max: 3 }));
    try {
      let inside = 0;
      let most = 0;
      const attempts = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          withLease(
            pools[i % 3] as Database,
            "test:exclusive",
            // Waiting and expiry far beyond any slow machine: the test is about exclusion only.
            { ttlMs: 600_000, waitMs: 600_000 },
            async () => {
              inside++;
              most = Math.max(most, inside);
              await new Promise((r) => setTimeout(r, 20));
              inside--;
            },
          ),
        ),
      );
      expect(attempts.every((a) => a.acquired)).toBe(true);
      expect(most).toBe(1);
      // A holder that died (its row left behind, never renewed): refused until it expires, then taken.
      await t.db.$client`
        INSERT INTO leases (key, holder, acquired_at, expires_at)
        VALUES ('test:dead', 'gone:1:x', clock_timestamp(), clock_timestamp() + interval '10 minutes')`;
      const early = await withLease(pools[0] as Database, "test:dead", { ttlMs: 5_000 }, async () => "ran");
      expect(early).toEqual({ acquired: false, holder: "gone:1:x" });
      // Its time runs out by the database's clock (moved on here instead of waited for).
      await t.db
        .$client`UPDATE leases SET expires_at = clock_timestamp() - interval '1 millisecond' WHERE key = 'test:dead'`;
      const later = await withLease(pools[1] as Database, "test:dead", { ttlMs: 5_000 }, async () => "ran");
      expect(later).toEqual({ acquired: true, value: "ran" });
    } finally {
      await Promise.all(pools.map((p) => closeDb(p)));
    }
  });
});
