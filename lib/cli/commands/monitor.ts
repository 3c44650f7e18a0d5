import type { Command } from "commander";
import { formatEther } from "viem";
import { type AlertRecord, evaluateAlerts, listAlerts, openCriticalCount } from "@/lib/payment-core/alerts";
import { listUsage } from "@/lib/payment-core/budgets/usage";
import { type PayerGas, readPayerGas } from "@/lib/payment-core/settlement/cancel-gas";
import { formatEth, formatMoney } from "@/lib/payment-core/support/money";
import type { Clock } from "@/lib/payment-core/support/time";
import { walletClient } from "@/lib/payment-core/treasury/wallet";
import { readChainBounded, readWalletView } from "@/lib/payment-core/treasury/wallet-view";
import { getUsdcBalance } from "@/lib/payment-core/x402/usdc";
import { CliFailure, type CommandKit, withDb as defaultWithDb, EXIT } from "../context";
import { table, usdc6, usdcMoney } from "../format";
import { snakeKeys } from "../json";
import { resolveWalletTarget, walletTargetDomain } from "../wallet-target";

/** The payer's gas, bounded in time as the wallet read is. */
async function withinTimeout<T>(read: () => Promise<T>): Promise<T> {
  const r = await readChainBounded(read, { what: "gas balance" });
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

function alertJson(a: AlertRecord) {
  return snakeKeys(a, [
    "id",
    "kind",
    "severity",
    "state",
    "agentId",
    "createdAt",
    "acknowledgedBy",
    "acknowledgedAt",
    "message",
    "figures",
  ]);
}

/**
 * `x402 monitor`: the guide's x402_monitor_alerts.py, the rollback's verify step. Reads the
 * wallet, evaluates the alert conditions (raising and resolving alerts as the scheduled job
 * does, unless --no-evaluate), prints the balance, each agent's usage and the open alerts, and
 * exits 1 while any critical alert is open (acknowledged or not).
 */
export function registerMonitor(
  program: Command,
  { sub, print }: CommandKit,
  deps: { withDb?: typeof defaultWithDb; clock?: Clock } = {},
): Command {
  const withDb = deps.withDb ?? defaultWithDb;
  return sub(program, "monitor")
    .description("wallet balance, agents' usage and open alerts; exit 1 while a critical alert is open")
    .option("--no-evaluate", "only read: do not evaluate the alert conditions first")
    .action(async (opts: { evaluate: boolean }, cmd: Command) =>
      withDb(async ({ db, env }) => {
        // The console's wallet (as it recorded it; `x402 wallet` reads the same), read with the
        // console's function (overview, /api/metrics): same time limit, same codes and reasons.
        const target = resolveWalletTarget(db, env);
        const client = async () => walletClient((await target).rpcUrl);
        const view = await readWalletView(
          async () => {
            const t = await target;
            const balanceMicro = await getUsdcBalance(await client(), t.usdc, t.address);
            return { address: t.address, balanceMicro, network: t.network };
          },
          { lowBalanceMicro: env.alerts.lowBalanceMicro },
        );
        const wallet = view.available
          ? { ...view, balanceMicro: BigInt(view.balanceMicro) }
          : { ...view, message: view.reason };
        // The payer's ETH for on-chain cancels; unreadable: not shown, and payer_low_gas left as it is.
        const gas: PayerGas | null = wallet.available
          ? await withinTimeout(async () => {
              const t = await target;
              return readPayerGas(await client(), {
                payer: t.address,
                usdcAddress: t.usdc,
                ...walletTargetDomain(t, env),
              });
            }).catch(() => null)
          : null;
        const minCancels = env.alerts.minCancelsFunded;
        const cancelsFunded = gas && gas.perCancelWei > 0n ? gas.balanceWei / gas.perCancelWei : null;
        const gasLow = cancelsFunded !== null && cancelsFunded < BigInt(minCancels);
        const clock = deps.clock;
        const evaluation = opts.evaluate
          ? await evaluateAlerts(db, {
              config: env,
              clock,
              walletBalance: async () => (wallet.available ? wallet.balanceMicro : null),
              payerGas: async () => gas,
            })
          : null;
        const usage = await listUsage(db, env.budget, { clock });
        const open = [
          ...(await listAlerts(db, { state: "active", limit: 200 })),
          ...(await listAlerts(db, { state: "acknowledged", limit: 200 })),
        ];
        const critical = await openCriticalCount(db);
        const threshold = env.alerts.lowBalanceMicro;
        const data = {
          wallet: wallet.available
            ? {
                available: true,
                address: wallet.address,
                network: wallet.network,
                balance: usdc6(wallet.balanceMicro),
                low: wallet.low,
                low_threshold: usdc6(threshold),
                gas: gas
                  ? {
                      balance_wei: gas.balanceWei.toString(),
                      balance_eth: formatEther(gas.balanceWei),
                      per_cancel_wei: gas.perCancelWei.toString(),
                      cancels_funded: cancelsFunded === null ? null : cancelsFunded.toString(),
                      min_cancels_funded: minCancels,
                      low: gasLow,
                    }
                  : null,
              }
            : {
                available: false,
                code: wallet.code,
                message: wallet.message,
                low_threshold: usdc6(threshold),
              },
          agents: usage.map((u) => ({
            agent_id: u.agentId,
            status: u.status,
            daily_used: usdc6(u.daily.spentMicro + u.daily.reservedMicro),
            daily_limit: usdc6(u.daily.limitMicro),
            daily_utilization_pct: u.daily.utilizationPct,
            monthly_used: usdc6(u.monthly.spentMicro + u.monthly.reservedMicro),
            monthly_limit: usdc6(u.monthly.limitMicro),
            monthly_utilization_pct: u.monthly.utilizationPct,
          })),
          evaluation,
          alerts: open.map(alertJson),
          critical_open: critical,
        };
        print(cmd, data, () => {
          const lines = [
            wallet.available
              ? `Wallet balance: ${formatMoney(wallet.balanceMicro)}${wallet.balanceMicro < threshold ? ` (LOW: below ${formatMoney(threshold)})` : ""}`
              : `Wallet balance: unavailable (${wallet.code}: ${wallet.message})`,
            ...(gas
              ? [
                  `Payer gas: ${formatEth(gas.balanceWei)} ETH, ${cancelsFunded ?? "unlimited"} on-chain cancels funded${gasLow ? ` (LOW: below ${minCancels})` : ""}`,
                ]
              : []),
            "",
            table(
              ["AGENT", "STATUS", "DAILY (UTC)", "LIMIT", "USED %", "MONTHLY (UTC)", "LIMIT", "USED %"],
              usage.map((u) => [
                u.agentId,
                u.status,
                usdcMoney(u.daily.spentMicro + u.daily.reservedMicro),
                usdcMoney(u.daily.limitMicro),
                u.daily.utilizationPct,
                usdcMoney(u.monthly.spentMicro + u.monthly.reservedMicro),
                usdcMoney(u.monthly.limitMicro),
                u.monthly.utilizationPct,
              ]),
            ).trimEnd(),
            "",
            open.length === 0
              ? "Open alerts: none"
              : `Open alerts: ${open.length} (${critical} critical)\n${table(
                  ["ID", "SEVERITY", "STATE", "SINCE (UTC)", "ALERT"],
                  open.map((a) => [
                    a.id,
                    a.severity,
                    a.state,
                    a.createdAt.slice(0, 19),
                    a.message.replaceAll("\n", " | "),
                  ]),
                ).trimEnd()}`,
          ];
          return `${lines.join("\n")}\n`;
        });
        if (critical > 0) {
          throw new CliFailure(
            "critical_alert_open",
            `${critical} critical alert${critical === 1 ? " is" : "s are"} open`,
            { critical_open: critical },
            EXIT.failed,
            true,
          );
        }
      }),
    );
}
