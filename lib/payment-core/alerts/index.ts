/**
 * Alerts (issue 11): conditions read from the ledger and budgets (conditions.ts), raised and
 * resolved once per key (evaluate.ts), shown and acknowledged (store.ts), and delivered through
 * a database outbox to Discord and a JSON webhook (outbox.ts) with the operations guide's texts
 * (messages.ts).
 */
export { evaluateAlerts } from "./evaluate";
export { discordBody, messageText, webhookBody } from "./messages";
export {
  CHANNELS,
  type Channel,
  type DeliverDeps,
  type DeliverResult,
  deliverOutbox,
  enqueueMessage,
} from "./outbox";
export {
  ALERT_STATES,
  acknowledgeAlert,
  activeAlertCounts,
  listAlerts,
  openCriticalCount,
  sendDigest,
} from "./store";
export type * from "./types";
