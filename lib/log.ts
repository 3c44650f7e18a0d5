import pino, { type DestinationStream, type Level } from "pino";
import type { Logger } from "@/lib/payment-core/support/log";

/**
 * The process's structured log: pino's JSON lines (one object a line, `time` as ISO UTC), at
 * X402_LOG_LEVEL, to stdout or appended to X402_LOG_FILE. The domain writes to it through the
 * `Logger` interface of payment-core/support/log.ts; fields are data, never secrets. The redact paths
 * below are the second line of defence: a secret that reaches a field by mistake is censored.
 */

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

/** Field names whose values are censored wherever they appear (any case of the header names). */
const SECRET_KEYS = [
  "authorization",
  "Authorization",
  "apiKey",
  "api_key",
  "privateKey",
  "private_key",
  "payerPrivateKey",
  "token",
  "metricsToken",
  "password",
  "passwordHash",
  "secret",
  "signature",
  "payload",
  "cookie",
  "x-payment",
  "X-PAYMENT",
  "payment-signature",
  "PAYMENT-SIGNATURE",
];

const plain = (k: string) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k);
const access = (k: string) => (plain(k) ? `.${k}` : `["${k}"]`);

/** Each secret key at the top level, one level down, and in `headers` / `req.headers`. */
export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [
  plain(k) ? k : `["${k}"]`,
  `*${access(k)}`,
  `headers${access(k)}`,
  `req.headers${access(k)}`,
]);

export interface LogOptions {
  level?: LogLevel;
  /** A file to append to (its folder is created), or unset for stdout. */
  file?: string;
  /** Any writable stream instead (tests capture lines in memory). */
  destination?: DestinationStream;
  /** Fields on every line, e.g. `{ service: "console" }`. */
  base?: Record<string, unknown>;
}

export type AppLogger = Logger & { flush(): void; level: string };

/** A pino logger with the product's settings; the process's one is lib/server/log.ts. */
export function createLogger(options: LogOptions = {}): AppLogger {
  let destination = options.destination;
  if (!destination && options.file) {
    // Appends (relative to the working directory; pino creates the folder); synchronous writes so a line is on disk when the call returns (a crash loses nothing).
    destination = pino.destination({ dest: options.file, append: true, sync: true, mkdir: true });
  }
  const logger = pino(
    {
      level: (options.level ?? "info") as Level,
      base: { service: "x402", ...(options.base ?? {}) },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
  return logger as unknown as AppLogger;
}
