export {
  DEFAULT_LEDGER_SYNC_PATH,
  type LedgerSyncOutput,
  previousUtcDay,
  syncLedgerDay,
} from "./ledger-sync";
export {
  buildJobs,
  type Configured,
  JOB_SCHEDULES,
  type JobsDeps,
  settleSchedule,
  summarizeRun,
} from "./registry";
export { type RunJobDeps, runJob } from "./runner";
export { getJobRun, type JobRunRecord, latestJobRuns, listJobRuns } from "./runs";
export {
  isJobName,
  JOB_NAMES,
  type JobContext,
  type JobDefinition,
  type JobName,
  type JobOutcome,
  type JobRunResult,
  type JsonValue,
  toJsonValue,
} from "./types";
export {
  buildWeeklyReport,
  lastFullWeek,
  type SpendLine,
  type WeeklyReport,
  weeklyReportMessage,
} from "./weekly-report";
