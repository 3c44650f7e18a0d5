import type { fetch as undiciFetch } from "undici";
import type { Address, LocalAccount, PublicClient } from "viem";
import type { Database } from "@/db/client";
import type { BudgetEngine } from "../budgets/engine";
import type { PaymentEventSink } from "../ledger/events";
import type { ResponseStore } from "../ledger/responses";
import type { ApprovalConfig } from "../payment-approvals/config";
import type { Logger } from "../support/log";
import type { VendorCatalogHook } from "../vendors/payer-hook";

/** What the payer is configured with and built from (createPayer in payer.ts). */

export interface PayerConfig {
  network: string;
  usdcAddress: Address;
  usdcName: string;
  usdcVersion: string;
  maxTimeoutSeconds: number;
  vendorTimeoutMs: number;
  maxRetries: number;
  /** First backoff step; doubles each retry, plus jitter. */
  retryBaseMs?: number;
  /** A reservation still pending (never signed) after this long is released on a retry. */
  staleAfterMs?: number;
  /**
   * `host:port` entries the payer may reach although they are private or loopback
   * (X402_ALLOWED_PRIVATE_HOSTS). Every other non-public destination is refused.
   */
  allowedPrivateHosts: readonly string[];
  /** This console's own `host:port`: refused even when listed above. */
  selfHosts?: readonly string[];
  /** The most bytes of a vendor's response body that are read (default 1 MiB). */
  maxResponseBytes?: number;
  /** Payments held for approval (env thresholds, TTL); absent: only console thresholds, 900 s. */
  approvals?: ApprovalConfig;
}

export interface PayerDeps {
  db: Database;
  engine: BudgetEngine;
  config: PayerConfig;
  account: LocalAccount;
  publicClient: PublicClient;
  /** undici's fetch (or a wrapper of it): the payer passes its own guarded dispatcher. */
  fetch?: typeof undiciFetch;
  sleep?: (ms: number) => Promise<void>;
  /** One line per purchase attempt (attempt-log.ts); default: nothing written. */
  log?: Logger;
  /**
   * Where each attempt's line is stored by transaction id (payment_events, ledger/events.ts),
   * buffered off the payment's path; absent: a sink of the payer's own on `db`.
   */
  events?: PaymentEventSink;
  /**
   * Where the vendor's answer to each paid request is kept (transaction_responses,
   * ledger/responses.ts), written off the payment's path; absent: a store of the payer's own on `db`.
   */
  responses?: ResponseStore;
  /**
   * This process's owner key (settlement/owner.ts), recorded on each row it signs so a resolver
   * knows at once when the process is gone; null or absent: rows carry no owner.
   */
  owner?: () => Promise<string | null>;
  /**
   * The vendor catalog's payTo pinning and 402 recording (vendors/payer-hook.ts); absent: one of
   * the payer's own. A process with several payers shares one (its write throttle).
   */
  catalog?: VendorCatalogHook;
}
