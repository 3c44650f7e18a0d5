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
