import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "./fixtures";
import { seedLedgerRows, uniqueAgent } from "./ledger-rows";

const USDC_BASE_SEPOLIA = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
const HASH = `0x${"ab12".repeat(16)}`;

test("an unknown transaction answers 404 and shows no transaction", async ({ as }) => {
  const page = await as("viewer");
  const response = await page.goto("/ledger/tx_does_not_exist_anywhere");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Transaction not found" })).toBeVisible();
  await expect(page.getByText("Transaction hash")).toHaveCount(0);
});

test("a settled payment's page names the asset and network, links the hash and copies it", async ({
  as,
  sql,
}) => {
  const agent = uniqueAgent("txpage");
  const [id] = await seedLedgerRows(sql, [
    {
      agentId: agent,
      status: "completed",
      amountMicro: 2_500_000_000n,
      network: "eip155:84532",
      asset: USDC_BASE_SEPOLIA,
      txHash: HASH,
      validAfter: "1970-01-01T00:00:00Z",
      validBefore: "2030-01-01T00:00:00Z",
      metadata: { note: "x".repeat(4000), lines: Array.from({ length: 80 }, (_, i) => `line ${i}`) },
    },
  ]);
  const page = await as("viewer");
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.goto(`/ledger/${id}`);
  await expect(page.getByTestId("transaction-headline")).toContainText("$2,500.00");
  const fact = (label: string) =>
    page.locator("dl > div").filter({ has: page.getByText(label, { exact: true }) });
  await expect(fact("Asset")).toContainText("USDC");
  await expect(fact("Asset").getByTitle(USDC_BASE_SEPOLIA)).toBeVisible();
  await expect(fact("Network")).toContainText("Base Sepolia");
  await expect(fact("Valid after")).toContainText("immediately");
  await expect(page.getByText("1970-01-01")).toHaveCount(0);
  const explorer = fact("Transaction hash").getByRole("link", { name: /View on Basescan/ });
  await expect(explorer).toHaveAttribute("href", `https://sepolia.basescan.org/tx/${HASH}`);

  const copy = page.getByRole("button", { name: "Copy transaction hash" });
  await copy.focus();
  await page.keyboard.press("Enter");
  await expect(copy).toContainText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(HASH);

  // The metadata can be scrolled from the keyboard.
  const pre = page.getByRole("region", { name: "Metadata (JSON)" });
  await expect(pre).toHaveAttribute("tabindex", "0");
  const axe = await new AxeBuilder({ page }).withRules(["scrollable-region-focusable"]).analyze();
  expect(axe.violations).toEqual([]);
});

test("on the local chain the network is named by its id, with no explorer link, and empty facts share one marker", async ({
  as,
  sql,
}) => {
  const [id] = await seedLedgerRows(sql, [
    {
      agentId: uniqueAgent("txpage"),
      status: "failed",
      amountMicro: 10_000n,
      network: "eip155:31337",
      asset: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      txHash: HASH,
      errorCode: "vendor_rejected_payment",
    },
  ]);
  const page = await as("viewer");
  await page.goto(`/ledger/${id}`);
  const fact = (label: string) =>
    page.locator("dl > div").filter({ has: page.getByText(label, { exact: true }) });
  await expect(fact("Network")).toContainText("Local chain 31337");
  await expect(page.getByRole("link", { name: /View on/ })).toHaveCount(0);
  await expect(fact("Nonce").getByLabel("Not recorded")).toHaveText("—");
  await expect(page.getByText("None", { exact: true })).toHaveCount(0);
  await expect(page.getByText("–", { exact: true })).toHaveCount(0);
});
