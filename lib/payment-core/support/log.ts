/**
 * The structured logger the domain writes to: pino's call shape (`log.info({ fields }, "message")`),
 * passed in like the database and the clock, so payment-core never opens a file or reads the
 * environment. The app passes its pino logger (lib/log.ts); tests and the CLI may pass `silentLog`.
 * Fields are data (ids, codes, amounts as strings, latencies), never keys, tokens or secrets.
 */
export type LogFn = (fields: Record<string, unknown>, message?: string) => void;

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const nothing: LogFn = () => {};

/** Writes nothing. */
export const silentLog: Logger = { debug: nothing, info: nothing, warn: nothing, error: nothing };
