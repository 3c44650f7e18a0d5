import { expect, test } from "./fixtures";

/** A payment the vendor leaves unsettled: signed, 502 settlement_unknown, the amount held. */
async function unsettledPayment(
  pay: (agent: string, path: string) => Promise<{ status: number; body: Record<string, unknown> }>,
  agent: string,
): Promise<string> {
  const paid = await pay(agent, "/flaky?fail=1");
  expect(paid.status).toBe(502);
  expect(paid.body).toMatchObject({
    error: { code: "settlement_unknown", status: "authorized", cause: "vendor_error", heldUsdc: "0.050000" },
  });
  return String((paid.body.error as { transactionId: string }).transactionId);
}

test.describe("settlements", () => {
  test("an operator checks an unsettled payment, cancels it on chain, and it leaves the list; a viewer only reads", async ({
    as,
    pay,
    sql,
  }) => {
    const id = await unsettledPayment(pay, "research_agent");

    const viewer = await as("viewer", "/settlements");
    const seen = viewer.getByRole("row").filter({ hasText: id });
    await expect(seen).toContainText("authorized");
    await expect(seen).toContainText("vendor_error");
    await expect(seen.getByRole("link", { name: id })).toHaveAttribute("href", `/ledger/${id}`);
    await expect(viewer.getByRole("button", { name: /Check chain|Cancel on chain|Resolve all/ })).toHaveCount(
      0,
    );

    const operator = await as("operator");
    await operator.getByRole("link", { name: "Settlements" }).click();
    await expect(operator.getByRole("heading", { level: 1 })).toHaveText("Stale and unsettled payments");
    const row = operator.getByRole("row").filter({ hasText: id });
    await expect(row).toContainText("$0.05");
    await expect(row.getByRole("link", { name: "research_agent" })).toHaveAttribute(
      "href",
      "/agents/research_agent",
    );

    // Reading the chain proves nothing yet: the authorization is unused and still valid.
    await row.getByRole("button", { name: "Check chain" }).click();
    const outcome = operator.getByRole("status").filter({ hasText: id });
    await expect(outcome).toContainText("Still held ($0.05): unused and valid until");
    await expect(row).toHaveCount(1);

    // Cancelling asks first; keeping it changes nothing.
    await row.getByRole("button", { name: "Cancel on chain" }).click();
    const dialog = operator.getByRole("dialog");
    await expect(dialog).toContainText("costs the payer gas");
    await expect(dialog).toContainText("signature becomes unusable");
    await dialog.getByRole("button", { name: "Keep it" }).click();
    await expect(dialog).toBeHidden();
    expect((await sql`SELECT status FROM transactions WHERE id = ${id}`)[0]?.status).toBe("authorized");

    await row.getByRole("button", { name: "Cancel on chain" }).click();
    await dialog.getByRole("button", { name: "Cancel on chain" }).click();
    await expect(outcome).toContainText(/Cancelled on chain in 0x[0-9a-f]{64}; \$0\.05 released\./);
    await expect(operator.getByRole("row").filter({ hasText: id })).toHaveCount(0);

    const [tx] = await sql`SELECT status, error_code, metadata->>'cancel_tx' AS cancel_tx
      FROM transactions WHERE id = ${id}`;
    expect(tx).toMatchObject({ status: "cancelled", error_code: "authorization_cancelled" });
    expect(tx?.cancel_tx).toMatch(/^0x[0-9a-f]{64}$/);
    const audit = await sql`SELECT actor FROM audit_log
      WHERE action = 'transaction.cancel' AND target_id = ${id}`;
    expect(audit.map((a) => a.actor)).toEqual(["operator@demo.local"]);

    await operator.goto(`/ledger/${id}`);
    await expect(operator.getByRole("heading", { level: 1 })).toHaveText(id);
    await expect(operator.getByRole("main")).toContainText("cancelled");
    await expect(operator.getByRole("main")).toContainText("authorization_cancelled");
  });

  test("stopping payments can cancel every outstanding authorization on chain", async ({
    as,
    killSwitch,
    pay,
    sql,
  }) => {
    const id = await unsettledPayment(pay, "builder_agent");

    const operator = await as("operator");
    await killSwitch(operator).stop("vendor incident", {
      dialogSays: "no vendor can settle them later",
      cancelOutstanding: true,
    });
    await expect(
      operator.getByRole("status").filter({ hasText: "Outstanding authorizations" }),
    ).toContainText(/[1-9]\d* cancelled on chain/);

    const [tx] = await sql`SELECT status FROM transactions WHERE id = ${id}`;
    expect(tx?.status).toBe("cancelled");
    const [stopped] =
      await sql`SELECT actor FROM audit_log WHERE action = 'transaction.cancel' AND target_id = ${id}`;
    expect(stopped?.actor).toBe("operator@demo.local");

    await operator.goto("/settlements");
    await expect(
      operator.getByText("No open payments: every signed authorization is settled or closed."),
    ).toBeVisible();
  });
});
