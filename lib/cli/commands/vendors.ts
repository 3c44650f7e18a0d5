import { type Command, Option } from "commander";
import { usdc6 } from "@/lib/payment-core/support/money";
import { acceptVendorPayTo } from "@/lib/payment-core/vendors/accept";
import {
  getVendor,
  listVendors,
  MAX_LIST,
  VENDOR_SORTS,
  type VendorDetail,
  type VendorSort,
  type VendorSummary,
} from "@/lib/payment-core/vendors/read";
import { syncVendorCatalog } from "@/lib/payment-core/vendors/sync";
import { mutating } from "../auth";
import { CliFailure, type CommandKit, EXIT, withDb } from "../context";
import { formatDollars, formatMoney, table } from "../format";
import { snakeKeys } from "../json";
import { intOption } from "../options";

/** A payTo as people read it: 0x1234…abcd. */
const short = (address: string | null) =>
  address === null ? "-" : address.length > 14 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;

const PIN_TEXT = { pinned: "pinned", changed: "CHANGED", unpinned: "not pinned" } as const;

function summaryJson(v: VendorSummary) {
  return {
    ...snakeKeys(v, [
      "host",
      "description",
      "source",
      "payTo",
      "acceptedPayTo",
      "pin",
      "firstSeen",
      "lastSeen",
      "lastDiscoveredAt",
      "last402At",
      "resourceCount",
    ]),
    spent_30d: usdc6(v.spentMicro),
    payments_30d: v.payments,
    last_paid_at: v.lastPaidAt,
  };
}

const amount = (micro: bigint | null) => (micro === null ? null : usdc6(micro));

function detailJson(v: VendorDetail) {
  return {
    ...summaryJson(v),
    ...snakeKeys(v, ["payToAcceptedAt", "payToAcceptedBy", "spendSince", "priceDriftPct"]),
    resources: v.resources.map((r) => ({
      ...snakeKeys(r, ["url", "method", "scheme", "network", "asset", "payTo", "description"]),
      advertised: amount(r.advertisedMicro),
      advertised_at: r.advertisedAt,
      asked: amount(r.askedMicro),
      asked_at: r.askedAt,
      last_paid: amount(r.lastPaidMicro),
      ...snakeKeys(r, [
        "lastPaidAt",
        "lastPaidId",
        "aboveAdvertisedPct",
        "driftPct",
        "flagged",
        "firstSeen",
        "lastSeen",
      ]),
    })),
    price_history: v.history.map((h) => ({
      ...snakeKeys(h, ["url", "method", "observedAt", "source", "scheme"]),
      amount: usdc6(h.amountMicro),
      ...snakeKeys(h, ["payTo", "agentId"]),
    })),
    agents: v.agents.map((a) =>
      snakeKeys(a, ["agentId", "name", "status", "mayPay", "hostAllowed", "payeeAllowed", "anyHost"]),
    ),
  };
}

const price = (micro: bigint | null) => (micro === null ? "-" : formatDollars(micro));

function detailText(v: VendorDetail): string {
  const lines = [
    `${v.host}${v.description ? `  ${v.description}` : ""}`,
    `  first seen ${v.firstSeen} (${v.source}), last seen ${v.lastSeen}`,
    `  payTo: ${v.acceptedPayTo ?? "not pinned"} (${PIN_TEXT[v.pin]}${v.payToAcceptedBy ? `, by ${v.payToAcceptedBy}` : ""})`,
    ...(v.pin === "changed"
      ? [
          `  latest payTo asked or advertised: ${v.payTo}; payments to it are refused until accepted:`,
          `    x402 vendors accept-payto ${v.host} ${v.payTo}`,
        ]
      : []),
    `  spent (last 30 days): ${formatMoney(v.spentMicro)} in ${v.payments} payments`,
    `  agents that may pay it: ${
      v.agents
        .filter((a) => a.mayPay)
        .map((a) => a.agentId)
        .join(", ") || "none"
    }`,
    "",
  ].join("\n");
  const resources = table(
    ["METHOD", "RESOURCE", "SCHEME", "ADVERTISED", "ASKED", "LAST PAID", "DRIFT"],
    v.resources.map((r) => [
      r.method,
      r.url,
      r.scheme,
      price(r.advertisedMicro),
      price(r.askedMicro),
      price(r.lastPaidMicro),
      `${r.driftPct === null ? "-" : `${r.driftPct}%`}${r.flagged ? " !" : ""}`,
    ]),
  );
  return `${lines}\n${resources}`;
}

/** `x402 vendors list|show|sync|accept-payto`: the vendor catalog (lib/payment-core/vendors). */
export function registerVendors(program: Command, { sub, print }: CommandKit): void {
  const vendors = sub(program, "vendors").description(
    "the vendor catalog: vendors from the facilitator's discovery list and the payer's 402s, their prices and pinned payTo",
  );

  sub(vendors, "list")
    .description("catalog vendors with their pinned payTo and spend over the last 30 days")
    .option("--q <text>", "only vendors whose host or description contains this")
    .addOption(
      new Option("--sort <key>", "order: host (A-Z), last_seen (newest first), spend (largest first)")
        .choices([...VENDOR_SORTS])
        .default("last_seen"),
    )
    .option("--reverse", "the other way round")
    .option("--limit <n>", `at most this many (1-${MAX_LIST})`, intOption(1, MAX_LIST), 100)
    .action(async (opts: { q?: string; sort: VendorSort; reverse?: boolean; limit: number }, cmd: Command) =>
      withDb(async ({ db }) => {
        const {
          vendors: list,
          total,
          spendSince,
        } = await listVendors(db, {
          q: opts.q,
          sort: opts.sort,
          reverse: opts.reverse,
          limit: opts.limit,
        });
        print(cmd, { vendors: list.map(summaryJson), total, spend_since: spendSince }, () =>
          list.length === 0
            ? "No vendors in the catalog yet: they are added from the facilitator's discovery list (x402 vendors sync) and from every 402 the payer reads.\n"
            : table(
                ["HOST", "PAYTO", "PIN", "RESOURCES", "SPENT 30D", "LAST SEEN"],
                list.map((v) => [
                  v.host,
                  short(v.acceptedPayTo ?? v.payTo),
                  PIN_TEXT[v.pin],
                  v.resourceCount,
                  formatMoney(v.spentMicro),
                  v.lastSeen,
                ]),
              ) + (total > list.length ? `(${list.length} of ${total}; --limit for more)\n` : ""),
        );
      }),
    );

  sub(vendors, "show")
    .description(
      "one vendor: its resources (advertised, asked, last paid, drift), price history, payTo and the agents that may pay it",
    )
    .argument("<host>", "the vendor's host or host:port, as the catalog lists it")
    .action(async (host: string, _opts: unknown, cmd: Command) =>
      withDb(async ({ db, env }) => {
        const vendor = await getVendor(db, host.trim().toLowerCase(), {
          priceDriftPct: env.alerts.priceDriftPct,
        });
        if (!vendor) throw new CliFailure("vendor_not_found", `no vendor ${host} in the catalog`, { host });
        print(cmd, { vendor: detailJson(vendor) }, () => detailText(vendor));
      }),
    );

  mutating(sub(vendors, "sync"))
    .description(
      "read the facilitator's discovery list (Bazaar) into the catalog now, as the vendor-sync job does",
    )
    .option("--facilitator <url>", "the facilitator to read (default X402_FACILITATOR_URL)")
    .action(async (opts: { facilitator?: string }, cmd: Command) =>
      withDb(
        async ({ db, env }) => {
          const facilitatorUrl = opts.facilitator ?? env.payments.facilitatorUrl;
          if (!facilitatorUrl) {
            throw new CliFailure(
              "bad_usage",
              "set X402_FACILITATOR_URL or pass --facilitator <url>",
              { flag: "--facilitator" },
              EXIT.usage,
            );
          }
          if (!/^https?:\/\//.test(facilitatorUrl)) {
            throw new CliFailure(
              "bad_usage",
              "--facilitator must be an http(s) URL",
              { flag: "--facilitator" },
              EXIT.usage,
            );
          }
          const report = await syncVendorCatalog({
            db,
            facilitatorUrl,
            network: env.payments.network,
            usdcAddress: env.payments.usdcAddress,
          });
          print(
            cmd,
            {
              sync: snakeKeys(report, [
                "facilitatorUrl",
                "pages",
                "listed",
                "recorded",
                "truncated",
                "newVendors",
                "changed",
                "skipped",
                "alerts",
              ]),
            },
            () =>
              `Read ${report.listed} resources from ${report.facilitatorUrl} (${report.pages} pages${report.truncated ? ", more not read" : ""}): ${report.recorded} recorded, ${report.newVendors} new vendors, ${report.changed} price changes, ${report.alerts} alerts.\n${
                Object.entries(report.skipped)
                  .filter(([, n]) => n > 0)
                  .map(([why, n]) => `  skipped ${n}: ${why}`)
                  .join("\n") || ""
              }${Object.values(report.skipped).some((n) => n > 0) ? "\n" : ""}`,
          );
        },
        { as: { operation: "jobs.run", cmd } },
      ),
    );

  mutating(sub(vendors, "accept-payto"))
    .description(
      "accept a vendor's new payTo (after confirming it with the vendor): from the next payment it is paid there, and only there",
    )
    .argument("<host>", "the vendor's host or host:port")
    .argument("<address>", "the payTo to accept (0x address)")
    .action(async (host: string, address: string, opts: { reason?: string }, cmd: Command) =>
      withDb(
        async ({ db, actor }) => {
          const accepted = await acceptVendorPayTo(db, { host, payTo: address, actor, reason: opts.reason });
          print(
            cmd,
            { vendor: snakeKeys(accepted, ["host", "payTo", "previous", "changed", "alertsResolved"]) },
            () =>
              accepted.changed
                ? `${accepted.host} is now paid at ${accepted.payTo} (was ${accepted.previous ?? "not pinned"}); ${accepted.alertsResolved} payTo alerts resolved.\n`
                : `${accepted.host} is already paid at ${accepted.payTo}; ${accepted.alertsResolved} payTo alerts resolved.\n`,
          );
        },
        { as: { operation: "vendors.accept_payto", cmd } },
      ),
    );
}
