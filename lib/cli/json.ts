/** A camelCase name in snake_case, as a type: "agentId" → "agent_id". */
export type SnakeCase<S extends string> = S extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${SnakeCase<T>}`
  : S;

/** "agentId" → "agent_id": the CLI's JSON spells every field in snake_case. */
export function snakeCase<S extends string>(name: S): SnakeCase<S> {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) as SnakeCase<S>;
}

/**
 * The named fields of a record, in the order named, under their snake_case names: the CLI's JSON
 * mappers (`--json`) are this plus the fields whose value changes form (micro-USDC to `usdc6`).
 * Only the named fields: a record may hold what is not for output. Only the top level: nested values
 * (a row's metadata, an alert's figures) are data and keep their own names. bigint values stay
 * bigint; `toJson` writes them as strings, as for every other field.
 */
export function snakeKeys<T extends object, K extends keyof T & string>(
  source: T,
  keys: readonly K[],
): { [P in K as SnakeCase<P>]: T[P] } {
  const out: Record<string, unknown> = {};
  for (const key of keys) out[snakeCase(key)] = source[key];
  return out as { [P in K as SnakeCase<P>]: T[P] };
}
