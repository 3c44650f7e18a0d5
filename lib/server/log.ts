import { env } from "@/lib/env";
import { type AppLogger, createLogger } from "@/lib/log";
import { services } from "./services";

/** The process's logger, created once from the validated configuration (X402_LOG_LEVEL, X402_LOG_FILE). */
export function appLog(): AppLogger {
  const config = env().log;
  services.log ??= createLogger({ level: config.level, file: config.file });
  return services.log;
}
