import { randomUUID } from "node:crypto";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";

/**
 * Issue 27 part 2, as people and an agent meet it: an operator sets an approval threshold on the
 * agent's page, the agent's payment above it is held (202, nothing signed), an approver denies one
 * with a reason on /approvals and approves another, and the agent's retry with the same idempotency
 * key pays the approved one.
 */

const AGENT = "code_review_agent";
/** $0.25 at the demo vendor: above the $0.10 threshold this spec sets. */
const PATH = "/code-scan";

/** The approval and ledger row of the payment the agent asked for with `key`. */
async function heldPayment(sql: import("postgres").Sql, key: string) {
  const [row] = await sql<{ approval_id: string; transaction_id: string; status: string }[]>`
    SELECT a.id AS approval_id, t.id AS transaction_id, t.status::text AS status
    FROM transactions t JOIN payment_approvals a ON a.transaction_id = t.id
    WHERE t.agent_id = ${AGENT} AND t.idempotency_key = ${key}`;
  if (!row) throw new Error(`no held payment for key ${key}`);
  return row;
}

async function ledgerRow(sql: import("postgres").Sql, id: string) {
  const [row] = await sql<{ status: string; error_code: string | null }[]>`
    SELECT status::text AS status, error_code FROM transactions WHERE id = ${id}`;
  return row;
}

/** A held payment's card on /approvals, found by its ledger row's id (each card links it). */
function cardOf(page: Page, transactionId: string) {
  return page
    .getByRole("region", { name: /^Payments awaiting approval/ })
    .getByRole("article")
    .filter({ hasText: transactionId });
}

test.afterEach(async ({ sql }) => {
  await sql`UPDATE agents SET approval_above_micro = NULL WHERE id = ${AGENT}`;
});

test("a held payment is denied with a reason, another approved, and the agent's retry with the same key pays once", async ({
  as,
  pay,
  sql,
}) => {
  // An operator may set a first threshold (it holds more payments), not raise it.
  const operator = await as("operator", `/agents/${AGENT}`);
  const threshold = operator.getByLabel("Hold payments above (USDC)");
  await threshold.fill("0.10");
  await operator.getByRole("button", { name: "Save threshold" }).click();
  await expect(operator.getByText("Saved. From the agent's next payment, a price above $0.10")).toBeVisible();
  const [saved] = await sql`SELECT approval_above_micro::text AS above FROM agents WHERE id = ${AGENT}`;
  expect(saved?.above).toBe("100000");
  await threshold.fill("100");
  await operator.getByRole("button", { name: "Save threshold" }).click();
  await expect(
    operator.getByRole("form", { name: "Set the approval threshold" }).getByRole("alert"),
  ).toContainText("forbidden");
  const [unchanged] = await sql`SELECT approval_above_micro::text AS above FROM agents WHERE id = ${AGENT}`;
  expect(unchanged?.above).toBe("100000");

  // The agent's payment above it: held, nothing signed.
  const denyKey = randomUUID();
  const first = await pay(AGENT, PATH, { idempotencyKey: denyKey });
  expect(first.status).toBe(202);
  const toDeny = await heldPayment(sql, denyKey);
  expect(first.body).toMatchObject({
    status: "awaiting_approval",
    approvalId: toDeny.approval_id,
    transactionId: toDeny.transaction_id,
    priceUsdc: "0.250000",
  });
  expect(toDeny.status).toBe("awaiting_approval");

  const approver = await as("approver", "/approvals");
  const card = cardOf(approver, toDeny.transaction_id);
  await expect(card).toContainText("$0.25");
  await expect(card).toContainText(PATH);
  // Deny needs a reason: nothing decided without one.
  await card.getByRole("button", { name: "Deny" }).click();
  await expect(card.getByRole("alert").first()).toBeVisible();
  expect((await ledgerRow(sql, toDeny.transaction_id))?.status).toBe("awaiting_approval");
  await card.getByLabel("Reason").fill("Not needed this sprint");
  await card.getByRole("button", { name: "Deny" }).click();
  await expect(
    approver.getByRole("status").filter({ hasText: `Payment ${toDeny.approval_id} denied` }),
  ).toBeVisible();
  await expect(card).toHaveCount(0);
  expect(await ledgerRow(sql, toDeny.transaction_id)).toEqual({
    status: "failed",
    error_code: "payment_denied",
  });
  const decided = approver.getByRole("row").filter({ hasText: toDeny.transaction_id });
  await expect(decided).toContainText("denied");
  await expect(decided).toContainText("approver@demo.local");
  await expect(decided).toContainText("Not needed this sprint");
  const deniedRetry = await pay(AGENT, PATH, { idempotencyKey: denyKey });
  expect(deniedRetry.status).toBe(403);
  expect(deniedRetry.body).toMatchObject({ error: { code: "payment_denied" } });

  // A second one, approved: the agent's retry with the same key pays it.
  const approveKey = randomUUID();
  const second = await pay(AGENT, PATH, { idempotencyKey: approveKey });
  expect(second.status).toBe(202);
  const toApprove = await heldPayment(sql, approveKey);
  expect(second.body).toMatchObject({ status: "awaiting_approval", approvalId: toApprove.approval_id });
  await approver.goto("/approvals");
  const secondCard = cardOf(approver, toApprove.transaction_id);
  await secondCard.getByLabel("Reason").fill("Scan before the release");
  await secondCard.getByRole("button", { name: "Approve" }).click();
  await expect(
    approver.getByRole("status").filter({ hasText: `Payment ${toApprove.approval_id} approved` }),
  ).toBeVisible();
  expect((await ledgerRow(sql, toApprove.transaction_id))?.status).toBe("awaiting_approval");

  const paid = await pay(AGENT, PATH, { idempotencyKey: approveKey });
  expect(paid.status).toBe(200);
  expect(paid.body).toMatchObject({ transactionId: toApprove.transaction_id, status: "completed" });
  const again = await pay(AGENT, PATH, { idempotencyKey: approveKey });
  expect(again.body).toMatchObject({
    transactionId: toApprove.transaction_id,
    status: "completed",
    replayed: true,
  });
  const [paidRows] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM transactions WHERE agent_id = ${AGENT} AND idempotency_key = ${approveKey}`;
  expect(paidRows?.n).toBe(1);
});

test("with nothing held, /approvals says so; a viewer sees held payments without the decision buttons", async ({
  as,
  pay,
  sql,
}) => {
  const viewer = await as("viewer");
  // The demo data holds nothing, and the spec above leaves nothing held.
  const [pending] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM payment_approvals WHERE status = 'pending' AND expires_at > now()`;
  expect(pending?.n, "payments held before this test").toBe(0);
  await viewer.goto("/approvals");
  await expect(viewer.getByText("No payments are waiting for approval")).toBeVisible();

  await sql`UPDATE agents SET approval_above_micro = 100000 WHERE id = ${AGENT}`;
  const key = randomUUID();
  expect((await pay(AGENT, PATH, { idempotencyKey: key })).status).toBe(202);
  const held = await heldPayment(sql, key);
  await viewer.goto("/approvals");
  const card = cardOf(viewer, held.transaction_id);
  await expect(card).toBeVisible();
  await expect(card.getByRole("button", { name: "Approve" })).toHaveCount(0);
  await expect(card).toContainText("Only an approver can approve or deny");
  // Leave nothing held for the specs after this one.
  const approver = await as("approver", "/approvals");
  await cardOf(approver, held.transaction_id).getByLabel("Reason").fill("Cleanup after the viewer check");
  await cardOf(approver, held.transaction_id).getByRole("button", { name: "Deny" }).click();
  await expect(cardOf(approver, held.transaction_id)).toHaveCount(0);
});
