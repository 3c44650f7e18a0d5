import type { Command } from "commander";
import { migrationStatus } from "@/db/migrate";
import { seedDemo } from "@/db/seed";
import { mutating } from "../auth";
import { type CommandKit, withDb } from "../context";
import { intOption } from "../options";

/** `x402 db migrate` and `x402 db seed-demo`: the PostgreSQL ledger's schema and demo history. */
export function registerDatabase(program: Command, { sub, print }: CommandKit): void {
  const database = sub(program, "db").description("the PostgreSQL ledger");
  sub(database, "migrate")
    .description("apply the committed migrations")
    .action(async (_opts: unknown, cmd: Command) =>
      // withDb migrates first, over DATABASE_DIRECT_URL when DATABASE_URL is a transaction pooler.
      withDb(
        async ({ db }) => {
          const status = await migrationStatus(db);
          print(
            cmd,
            { migrations: status },
            () => `Migrations applied: ${status.applied}/${status.expected} (latest ${status.latest}).\n`,
          );
        },
        { migrate: true },
      ),
    );
  mutating(sub(database, "seed-demo"))
    .description("write deterministic demo history for the three seed agents")
    .option("--days <n>", "days of history, ending today (UTC)", intOption(1, 366), 30)
    .action(async (opts: { days: number }, cmd: Command) =>
      withDb(
        async ({ db, env, actor }) => {
          const result = await seedDemo(db, { days: opts.days, config: env.budget, actor });
          print(
            cmd,
            { days: opts.days, rows: result.rows, inserted: result.inserted },
            () =>
              `Demo history: ${result.rows} transactions over ${opts.days} days (${result.inserted} new).\n`,
          );
        },
        { as: { operation: "database.seed_demo", cmd } },
      ),
    );
}
