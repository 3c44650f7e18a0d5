import type { Locator, Page } from "@playwright/test";
import { type Address, createPublicClient, http, parseAbi } from "viem";
import { formatMoney, parseUsdc, roundCents } from "@/lib/payment-core/support/money";
import { expect, test } from "./fixtures";
import type { E2eState } from "./state";

/**
 * The Treasury page against the e2e console's own chain: the payer address and USDC balance it
 * shows are what the configuration and the chain say, and a payment moves the 24 h spend.
 */

/** The value (`dd`) of the fact labelled `label` (`dt`) inside `scope`. */
function fact(page: Page, scope: Locator, label: string): Locator {
  return scope
    .locator("dl > div")
    .filter({ has: page.getByRole("term").filter({ hasText: new RegExp(`^${label}$`) }) })
    .getByRole("definition");
}

/** The first dollar amount of a fact's text, in micro-USDC ("$1,234.50 Above …" → 1234500000n). */
async function dollars(value: Locator): Promise<bigint> {
  const text = ((await value.textContent()) ?? "").trim();
  const match = /^\$([\d,]+\.\d+)/.exec(text);
  if (!match?.[1]) throw new Error(`no amount in ${JSON.stringify(text)}`);
  return parseUsdc(match[1].replaceAll(",", ""));
}

/** The payer's USDC balance as the chain has it now, read with viem (not through the console). */
async function chainBalance(state: E2eState): Promise<bigint> {
  const client = createPublicClient({ transport: http(state.rpcUrl) });
  return client.readContract({
    address: state.usdcAddress as Address,
    abi: parseAbi(["function balanceOf(address) view returns (uint256)"]),
    functionName: "balanceOf",
    args: [state.payerAddress as Address],
  });
}

test.describe("Treasury", () => {
  test("shows the configured payer address with copy and QR code, and the USDC balance the chain holds", async ({
    as,
    state,
  }) => {
    const page = await as("viewer");
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Treasury" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Treasury");

    const wallet = page.getByRole("region", { name: "Payer wallet" });
    await expect(fact(page, wallet, "Address")).toContainText(state.payerAddress);
    await expect(wallet.getByRole("button", { name: "Copy payer address" })).toBeVisible();
    await expect(
      wallet.getByRole("img", { name: `QR code of the payer address ${state.payerAddress}` }),
    ).toBeVisible();
    await expect(fact(page, wallet, "Network")).toContainText("Local chain 31337");

    const balances = page.getByRole("region", { name: "Balances" });
    const expected = await chainBalance(state);
    // A balance is money: shown to the cent, rounded half up from the chain's exact figure.
    expect(await dollars(fact(page, balances, "USDC"))).toBe(roundCents(expected));
    await expect(fact(page, balances, "USDC")).toContainText(formatMoney(expected));
    await expect(fact(page, balances, "Gas \\(ETH\\)")).toContainText(/\d ETH/);

    await expect(page.getByRole("link", { name: "Fund the wallet" })).toHaveAttribute(
      "href",
      "/treasury/fund",
    );
  });

  test("after a paid payment the last 24 hours' spend rises by its price, and the balance falls by it", async ({
    as,
    pay,
    state,
  }) => {
    const page = await as("admin", "/treasury");
    const day = page.getByRole("region", { name: "At the last 24 hours' rate" });
    const spentBefore = await dollars(fact(page, day, "Spent in the last 24 hours"));
    const balanceBefore = await chainBalance(state);

    const paid = await pay("builder_agent", "/search");
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ status: "completed" });
    const price = parseUsdc(String(paid.body.priceUsdc));
    expect(price).toBeGreaterThan(0n);

    await page.reload();
    // Both figures are shown to the cent: each side is off its exact value by at most half a cent.
    const rise = (await dollars(fact(page, day, "Spent in the last 24 hours"))) - spentBefore;
    expect(rise >= price - 10_000n && rise <= price + 10_000n, `rise ${rise} for a price of ${price}`).toBe(
      true,
    );
    const balanceAfter = await chainBalance(state);
    expect(balanceAfter).toBe(balanceBefore - price);
    const balances = page.getByRole("region", { name: "Balances" });
    expect(await dollars(fact(page, balances, "USDC"))).toBe(roundCents(balanceAfter));
    // With spend in the window, the runway is a number of hours, not "unbounded".
    await expect(fact(page, day, "Runway")).toContainText(/^[\d,]+ h \(/);
  });
});
