import type { Database } from "@/db/client";

/**
 * The strings every input must refuse (issue 25): C0 controls, DEL and lone surrogates. Each
 * is placed inside ordinary text, as an attacker would hide it.
 */
export const HOSTILE_TEXT = [
  ["NUL", "a\u0000b"],
  ["BEL", "a\u0007b"],
  ["ESC", "\u001b[2J"],
  ["DEL", "a\u007fb"],
  ["lone high surrogate", "x\ud800y"],
  ["lone low surrogate", "x\udc00y"],
] as const;

/**
 * Every public table's row count, to show a refused request saved nothing. `except` leaves out
 * tables a refusal rightly writes to (a refused request still counts against its caller's limit).
 */
export async function rowCounts(db: Database, except: string[] = []): Promise<Record<string, number>> {
  const tables = await db.$client<{ name: string }[]>`
    SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`;
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    if (except.includes(name)) continue;
    const [row] = await db.$client.unsafe(`SELECT count(*)::int AS n FROM "${name}"`);
    counts[name] = row?.n as number;
  }
  return counts;
}
