/**
 * The browser's view of a domain type. A `bigint` (micro-USDC) cannot cross to the browser as a
 * JSON number without losing precision, so it travels as its decimal string; a `Date` travels as
 * its ISO string. `Wire<T>` derives that shape from the domain type itself, so a view never
 * copies a row's fields by hand and cannot drift from it.
 */
export type Wire<T> = T extends bigint
  ? string
  : T extends Date
    ? string
    : T extends readonly (infer U)[]
      ? Wire<U>[]
      : T extends object
        ? { [K in keyof T]: Wire<T[K]> }
        : T;

/** A domain value in its `Wire` form: bigints as decimal strings, dates as ISO strings, recursively. */
export function toWire<T>(value: T): Wire<T> {
  if (typeof value === "bigint") return value.toString() as Wire<T>;
  if (value instanceof Date) return value.toISOString() as Wire<T>;
  if (Array.isArray(value)) return value.map(toWire) as Wire<T>;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)])) as Wire<T>;
  }
  return value as Wire<T>;
}

/**
 * The named fields of a domain value, in the order named: a view that shows part of a row takes
 * its type from the same list (`Wire<Pick<Row, (typeof FIELDS)[number]>>`), so only those fields
 * cross to the browser.
 */
export function pick<T extends object, K extends keyof T>(value: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, value[k]])) as Pick<T, K>;
}
