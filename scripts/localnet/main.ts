/**
 * The local payment network on its own, for manual poking: `npm run localnet`.
 *
 * Starts anvil, Circle's USDC, the x402 facilitator and the demo vendors, prints where they
 * are, and stops everything on Ctrl-C. Try:
 *   curl -i <vendor>/search        -> 402 with a PAYMENT-REQUIRED header (base64 JSON)
 *
 * Options: --fund USDC (payer's funding, default 500), --slow-ms N (/slow's delay).
 */
import { parseArgs } from "node:util";
import { METERED_MAX_MICRO, METERED_ROUTE, startLocalNetwork } from "./index";

const { values } = parseArgs({
  options: { fund: { type: "string", default: "500" }, "slow-ms": { type: "string" } },
});
if (!/^\d+$/.test(values.fund)) throw new Error("--fund takes a whole number of USDC");
const slowMs = values["slow-ms"] === undefined ? undefined : Number(values["slow-ms"]);

const net = await startLocalNetwork({
  payerFundingMicro: BigInt(values.fund) * 1_000_000n,
  slowMs,
});

const usdc = (micro: bigint) => `$${(Number(micro) / 1e6).toFixed(2)}`;
const lines = [
  `x402 local network up in ${net.timings.totalMs} ms`,
  "",
  `  chain        ${net.rpcUrl}  (${net.network})`,
  `  USDC         ${net.usdcAddress}  (Circle FiatTokenV2_2, EIP-712 "USD Coin" v2)`,
  `  facilitator  ${net.facilitatorUrl}  (gas from ${net.facilitatorAccount})`,
  `  vendors      ${net.vendorUrl}  (pays to ${net.payee})`,
  "",
  `  payer        ${net.payer.address}  funded with ${usdc(await net.usdc.balanceOf(net.payer.address))}`,
  `  payer key    ${net.payer.privateKey}`,
  "               (well-known anvil test key, local only: never use it on a real chain)",
  "",
  "  routes (GET):",
  `    ${`${net.vendorUrl}/health`.padEnd(44)} free`,
  ...net.routes.map((r) => `    ${r.url.padEnd(44)} ${usdc(r.priceMicro).padStart(7)}  ${r.description}`),
  `    ${`${net.vendors.meteredUrl}?units=N`.padEnd(44)} ≤${usdc(METERED_MAX_MICRO).padStart(6)}  upto: ${METERED_ROUTE.description}`,
  "",
  "Ctrl-C stops everything.",
];
console.log(lines.join("\n"));

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log("\nstopping...");
    net.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
