import { formatMoney, formatUsdc } from "@/lib/payment-core/support/money";
import { expect, test } from "./fixtures";

async function usedToday(sql: import("postgres").Sql, agent: string): Promise<bigint> {
  const [row] = await sql<{ used: string }[]>`
    SELECT coalesce(sum(spent_micro + reserved_micro), 0)::text AS used FROM budget_usage
    WHERE agent_id = ${agent} AND period = 'day' AND period_start = (now() AT TIME ZONE 'UTC')::date`;
  return BigInt(row?.used ?? "0");
}

async function usedThisMonth(sql: import("postgres").Sql, agent: string): Promise<bigint> {
  const [row] = await sql<{ used: string }[]>`
    SELECT coalesce(sum(spent_micro + reserved_micro), 0)::text AS used FROM budget_usage
    WHERE agent_id = ${agent} AND period = 'month'
      AND period_start = date_trunc('month', now() AT TIME ZONE 'UTC')::date`;
  return BigInt(row?.used ?? "0");
}

test.describe("budgets", () => {
  test.afterEach(async ({ sql }) => {
    await sql`DELETE FROM budget_policies`;
  });

  test("an operator changes a daily limit; usage shows it; the payment API enforces it", async ({
    as,
    pay,
    sql,
  }) => {
    const agent = "code_review_agent";
    // Room for exactly one $0.25 code scan today.
    const limit = (await usedToday(sql, agent)) + 300_000n;
    const page = await as("operator", `/agents/${agent}`);
    await page.getByLabel("Daily limit (USDC)").fill(formatUsdc(limit, 2));
    await page.getByLabel("Per-transaction max (USDC)").fill("5");
    await page.getByRole("button", { name: "Save limits" }).click();
    await expect(page.getByRole("status").or(page.getByText(/saved/i)).first()).toBeVisible();

    await page.goto("/agents");
    const row = page.getByRole("row").filter({ hasText: agent });
    await expect(row).toContainText(`$${formatUsdc(limit, 2)}`);
    await expect(row).toContainText("console");

    const first = await pay(agent, "/code-scan");
    expect(first.status).toBe(200);
    const second = await pay(agent, "/code-scan");
    expect(second.status).toBe(403);
    expect(second.body).toMatchObject({
      error: { code: "daily_limit_exceeded", limitUsdc: formatUsdc(limit, 6) },
    });
    const [policy] = await sql`SELECT limit_micro::text AS limit, set_by FROM budget_policies
      WHERE agent_id = ${agent} AND kind = 'daily'`;
    expect(policy).toMatchObject({ limit: limit.toString(), set_by: "operator@demo.local" });
  });

  test("the backtest beside the limit fields: a lower daily limit and what it would have refused", async ({
    as,
    pay,
    sql,
  }) => {
    const agent = "code_review_agent";
    expect((await pay(agent, "/code-scan")).status).toBe(200);
    expect((await pay(agent, "/code-scan")).status).toBe(200);
    // A daily limit of one micro-USDC refuses every payment of the window: what the ledger holds.
    const [asked] = await sql<{ n: number; total: string }[]>`
      SELECT count(*)::int AS n, coalesce(sum(CASE WHEN status = 'completed'
        THEN coalesce((metadata->>'reserved_micro')::bigint, amount_micro) ELSE amount_micro END), 0)::text AS total
      FROM transactions WHERE agent_id = ${agent}
        AND created_at >= (now() AT TIME ZONE 'UTC')::date - 29
        AND (status <> 'rejected' OR error_code IN ('daily_limit_exceeded', 'monthly_limit_exceeded',
          'per_transaction_max_exceeded'))`;
    const page = await as("operator", `/agents/${agent}`);
    const backtest = page.getByRole("region", { name: "Backtest of these limits" });
    await expect(backtest).toHaveCount(0);
    const inForce = await page.getByLabel("Daily limit (USDC)").inputValue();
    await page.getByLabel("Daily limit (USDC)").fill("0.000001");
    const n = asked?.n ?? 0;
    await expect(backtest).toContainText(
      `${n.toLocaleString("en-US")} payment${n === 1 ? "" : "s"} (${formatMoney(BigInt(asked?.total ?? "0"))}) would have been refused`,
    );
    const [last] = await sql<{ vendor: string }[]>`
      SELECT coalesce(vendor_host, vendor) AS vendor FROM transactions WHERE agent_id = ${agent}
      ORDER BY created_at DESC LIMIT 1`;
    await expect(backtest).toContainText(last?.vendor ?? "");
    // Back to the limit in force: nothing to try.
    await page.getByLabel("Daily limit (USDC)").fill(inForce);
    await expect(backtest).toHaveCount(0);
  });

  test("a viewer sees the limits but no edit controls", async ({ as }) => {
    const page = await as("viewer", "/agents/builder_agent");
    await expect(page.getByRole("heading", { level: 1 })).toContainText("Builder agent");
    await expect(page.getByRole("button", { name: "Save limits" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Pause agent" })).toHaveCount(0);
    await expect(page.getByLabel("Daily limit (USDC)")).toHaveCount(0);
    // How to connect an MCP client as this agent, ready to paste, with this console's own URL.
    const origin = new URL(page.url()).origin;
    await expect(page.getByRole("heading", { name: "Connect an MCP client" })).toBeVisible();
    const http = JSON.parse(
      (await page
        .getByRole("region", { name: "Streamable HTTP configuration for builder_agent" })
        .textContent()) ?? "",
    );
    expect(http).toMatchObject({ mcpServers: { x402: { url: `${origin}/api/mcp` } } });
    const stdio = JSON.parse(
      (await page
        .getByRole("region", { name: "stdio (x402 mcp) configuration for builder_agent" })
        .textContent()) ?? "",
    );
    expect(stdio.mcpServers.x402.args.at(-1)).toBe("mcp");
    expect(stdio.mcpServers.x402.env.X402_API_URL).toBe(origin);
  });

  test("a monthly increase: requested, not decidable by its requester, approved by another, then enforced", async ({
    as,
    pay,
    sql,
  }) => {
    const agent = "research_agent";
    const used = await usedThisMonth(sql, agent);
    // Start from a console monthly limit the next $0.01 search would pass.
    await sql`INSERT INTO budget_policies (agent_id, kind, limit_micro, source, set_by)
      VALUES (${agent}, 'monthly', ${(used + 5_000n).toString()}, 'console', 'e2e')`;
    expect((await pay(agent, "/search")).body).toMatchObject({ error: { code: "monthly_limit_exceeded" } });

    const requested = used + 5_000n + 20_000n;
    const approver = await as("approver", `/agents/${agent}`);
    await approver.getByLabel("Monthly limit (USDC)").fill(formatUsdc(requested, 2));
    await approver.getByLabel("Justification").fill("Quarter-end research needs a little more room");
    await approver.getByRole("button", { name: "Request increase" }).click();
    await expect(
      approver
        .getByText(/request/i)
        .filter({ hasText: /sent|created|pending|submitted/i })
        .first(),
    ).toBeVisible();

    await approver.goto("/approvals");
    const mine = approver.getByRole("article").filter({ hasText: agent }).first();
    await expect(mine.getByText("You made this request, so you cannot decide it")).toBeVisible();
    await expect(mine.getByRole("button", { name: "Approve" })).toBeDisabled();
    // Still refused: the request is not a limit yet.
    expect((await pay(agent, "/search")).body).toMatchObject({ error: { code: "monthly_limit_exceeded" } });

    const admin = await as("admin", "/approvals");
    const card = admin.getByRole("article").filter({ hasText: agent }).first();
    await card.getByLabel("Comment").fill("Approved for the quarter end");
    await card.getByRole("button", { name: "Approve" }).click();
    await expect(admin.getByText(/approved/i).first()).toBeVisible();

    const paid = await pay(agent, "/search");
    expect(paid.status).toBe(200);
    const [policy] = await sql`SELECT limit_micro::text AS limit FROM budget_policies
      WHERE agent_id = ${agent} AND kind = 'monthly'`;
    expect(policy?.limit).toBe(requested.toString());
    const [audit] =
      await sql`SELECT actor FROM audit_log WHERE action LIKE '%approv%' ORDER BY id DESC LIMIT 1`;
    expect(audit?.actor).toBe("admin@demo.local");
  });
});
