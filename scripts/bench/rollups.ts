/**
 * bench:budget's ledger rollups (db/functions/ledger_rollups.sql): what their triggers cost the
 * write path. The same reserve+commit scenario with the rollup triggers off and on, alternating,
 * read as a ratio; the rollups are rebuilt from the ledger afterwards (while off, they fell behind).
 */
import type postgres from "postgres";
import { type AlternatingCost, alternatingCost } from "./common";

const TRIGGERS = ["transactions_rollup_insert", "transactions_rollup_update", "transactions_rollup_delete"];

/** The rollup triggers on `transactions` on or off. */
export async function setRollupTriggers(admin: postgres.Sql, on: boolean): Promise<void> {
  for (const name of TRIGGERS) {
    await admin.unsafe(`ALTER TABLE transactions ${on ? "ENABLE" : "DISABLE"} TRIGGER ${name}`);
  }
}

/** Cycles/s with the rollup triggers against without; they are left on and the rollups rebuilt. */
export async function rollupsCost(
  scenario: string,
  rounds: number,
  admin: postgres.Sql,
  measure: (on: boolean) => Promise<{ perSec: number; errors: number }>,
): Promise<AlternatingCost> {
  const cost = await alternatingCost(scenario, rounds, (on) => setRollupTriggers(admin, on), measure);
  await setRollupTriggers(admin, true);
  await admin`SELECT ledger_rollup_rebuild()`;
  return cost;
}
