import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { inject } from "vitest";
import { closeDb, createDb, type Database } from "@/db/client";

export interface TestDatabase {
  db: Database;
  url: string;
  name: string;
  /** A second, independent connection pool, as another process would have. */
  connect(max?: number): Database;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own (a clone of the template the global setup made). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = inject("pgServerUrl");
  const template = inject("pgTemplate");
  const name = `x402_t_${randomBytes(6).toString("hex")}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${template}`);
      break;
    } catch (error) {
      // Two clones of one template at the same instant: PostgreSQL asks the second to wait.
      if (attempt > 20) throw error;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const pools: Database[] = [];
  const connect = (max = 10) => {
    const db = createDb(url.toString(), { max });
    pools.push(db);
    return db;
  };
  const db = connect();
  return {
    db,
    url: url.toString(),
    name,
    connect,
    drop: async () => {
      await Promise.all(pools.map((p) => closeDb(p)));
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/**
 * TRUNCATE for a test's reset (`"transactions, budget_usage, audit_log RESTART IDENTITY"`). The audit
 * log refuses TRUNCATE (migration 0013): as its owner, the test lifts that trigger inside the one
 * transaction and starts the chain anew, as an empty log has it.
 */
export async function truncate(db: Database, tables: string): Promise<void> {
  const audit = /\baudit_log\b/.test(tables);
  await db.$client.begin(async (tx) => {
    if (audit) await tx`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_truncate`;
    await tx.unsafe(`TRUNCATE ${tables}`);
    if (audit) {
      await tx`UPDATE audit_chain_head SET seq = 0, hash = repeat('0', 64)`;
      await tx`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_truncate`;
    }
  });
}

/** Runs a statement on audit_log that its append-only trigger refuses (a test backdating rows). */
export async function unsafeAuditEdit(
  db: Database,
  statement: (tx: postgres.TransactionSql) => Promise<unknown>,
): Promise<void> {
  await db.$client.begin(async (tx) => {
    await tx`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`;
    await statement(tx);
    await tx`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`;
  });
}

/**
 * Resolves once `count` other sessions are waiting for a lock on `table`: a barrier for race tests
 * that hold a table locked, so they release it only when every contender is queued behind it,
 * however slow the machine is.
 */
export async function lockWaiters(db: Database, table: string, count: number): Promise<void> {
  for (;;) {
    const [row] = await db.$client<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_locks
      WHERE NOT granted AND locktype = 'relation' AND relation = ${table}::regclass`;
    if ((row?.n ?? 0) >= count) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}
