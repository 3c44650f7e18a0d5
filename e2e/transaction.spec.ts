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
  // The vendor's answer, kept apart from the row (issue 30): large, with markup a vendor chose.
  const answer = {
    status: 200,
    headers: { "content-type": "application/json" },
    body: { html: "<script>alert(1)</script>", rows: "r".repeat(30_000) },
  };
  await sql`INSERT INTO transaction_responses (transaction_id, status, response, bytes)
    VALUES (${String(id)}, 200, ${JSON.stringify(answer)}, ${JSON.stringify(answer).length})`;
  const page = await as("viewer");
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.goto(`/ledger/${id}`);
  const answerCard = page.getByRole("region", { name: "Vendor's answer (JSON)" });
  await expect(answerCard).toContainText('"html": "<script>alert(1)</script>"');
  await expect(answerCard).toHaveAttribute("tabindex", "0");
  await expect(page.getByText(/HTTP 200 · 30,1\d\d bytes stored/)).toBeVisible();
  await expect(page.getByText(/more characters not shown \(x402 ledger show/)).toBeVisible();
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
  const page = await as("viewer", `/ledger/${id}`);
  const fact = (label: string) =>
    page.locator("dl > div").filter({ has: page.getByText(label, { exact: true }) });
  await expect(fact("Network")).toContainText("Local chain 31337");
  await expect(page.getByRole("link", { name: /View on/ })).toHaveCount(0);
  await expect(fact("Nonce").getByLabel("Not recorded")).toHaveText("—");
  await expect(page.getByText("None", { exact: true })).toHaveCount(0);
  await expect(page.getByText("–", { exact: true })).toHaveCount(0);
});

test("a refused payment's page is the troubleshooting page: next step, budget then and now, wallet, receipt, history, log lines", async ({
  as,
  sql,
}) => {
  // An agent of its own whose daily limit ($5) its one paid row reached: the refusal after it.
  const agent = uniqueAgent("trouble");
  await sql`INSERT INTO agents (id, name) VALUES (${agent}, 'Troubled agent')`;
  await sql`INSERT INTO budget_policies (agent_id, kind, limit_micro, source, set_by)
    VALUES (${agent}, 'daily', 5000000, 'console', 'e2e@example.com')`;
  const [, refused] = await seedLedgerRows(sql, [
    { agentId: agent, status: "completed", amountMicro: 5_000_000n, ago: 5 },
    {
      agentId: agent,
      status: "rejected",
      amountMicro: 2_000_000n,
      errorCode: "daily_limit_exceeded",
      ago: 1,
    },
  ]);
  await sql`INSERT INTO budget_usage (agent_id, period, period_start, spent_micro)
    VALUES (${agent}, 'day', (now() AT TIME ZONE 'UTC')::date, 5000000),
           (${agent}, 'month', date_trunc('month', now() AT TIME ZONE 'UTC')::date, 5000000)`;
  await sql`INSERT INTO payment_events (transaction_id, event, level, message, fields)
    VALUES (${refused as string}, 'payment', 'warn', 'daily limit of $5.00 reached',
      ${sql.json({ status: "rejected", code: "daily_limit_exceeded", vendor: "search-api" })})`;

  const page = await as("viewer", `/ledger/${refused}`);
  await expect(page.getByTestId("transaction-headline")).toContainText("Not charged");
  await expect(page.getByTestId("next-step")).toContainText(
    "Raise the daily limit on the agent page (x402 budgets set <agent> --daily <usd>) or wait until 00:00 UTC.",
  );
  const then = page.getByTestId("budget-at-payment");
  await expect(then).toContainText("$5.00 of $5.00 spent before it (1 payment)");
  await expect(then).toContainText("today's limits");
  await expect(page.getByTestId("budget-now")).toContainText("blocked: daily limit reached until 00:00 UTC");
  // The wallet is read (or says why not), never an error page; no hash: nothing on chain.
  await expect(page.getByTestId("wallet-now")).toContainText(/USDC|Unavailable/);
  await expect(page.getByTestId("chain-receipt")).toContainText("no transaction hash");
  await expect(page.getByRole("region", { name: "Resolver history" })).toContainText(
    "No settlement resolution",
  );
  await expect(page.getByTestId("log-lines")).toContainText("WARN");
  await expect(page.getByTestId("log-lines")).toContainText("code=daily_limit_exceeded");
});
