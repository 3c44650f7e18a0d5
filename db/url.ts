/**
 * How the URL reaches PostgreSQL. `session`: directly, or through a pooler in session mode.
 * `transaction`: through a transaction-mode pooler (PgBouncer, Supavisor, Neon's `-pooler` host),
 * where consecutive statements may run on different server connections: prepared statements are
 * turned off (PgBouncer before 1.21 cannot carry them) and nothing may rely on session state.
 */
export type PoolMode = "session" | "transaction";

/**
 * The URL postgres.js is given, and the pool mode it asks for: `pgbouncer=true` is read and taken
 * out (postgres.js would send an unknown parameter to the server as a setting, and fail).
 */
export function parseDatabaseUrl(url: string): { url: string; poolMode: PoolMode | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, poolMode: undefined };
  }
  const flag = parsed.searchParams.get("pgbouncer");
  if (flag === null) return { url, poolMode: undefined };
  parsed.searchParams.delete("pgbouncer");
  return { url: parsed.toString(), poolMode: flag === "true" ? "transaction" : undefined };
}
