import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";
import { type Address, createPublicClient, createWalletClient, erc20Abi, http } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { approvalTypedData } from "@/lib/payment-core/treasury/rotation-messages";
import { expect, test } from "./fixtures";
import type { E2eState } from "./state";

/*
 * The whole payer-key rotation through the console, against the local chain and real USDC: an
 * admin registers a new wallet (its key in a mounted secret file), the server proves it, a
 * stranger's approval is refused, a reload resumes, the demo wallet's two accounts (the two
 * treasury owners here, quorum 2) sign the approval in turn: one alone leaves it at "1 of 2" and
 * the same owner twice is refused; a real test payment settles from the new wallet, the USDC
 * moves, and the switch makes the next agent payment settle from the new wallet while the old
 * one is retired.
 *
 * It changes the payer for good, so it runs in its own project after every other spec.
 */

function chain(state: E2eState) {
  const transport = http(state.rpcUrl);
  const client = createPublicClient({ transport });
  return {
    client,
    usdcOf: (owner: string) =>
      client.readContract({
        address: state.usdcAddress as Address,
        abi: erc20Abi,
        functionName: "balanceOf",
        args: [owner as Address],
      }),
    /** A transfer from the demo funding wallet (unlocked on anvil), mined before it returns. */
    sendUsdc: async (to: string, micro: bigint) => {
      const wallet = createWalletClient({ transport });
      const hash = await wallet.writeContract({
        account: state.funderAddress as Address,
        address: state.usdcAddress as Address,
        abi: erc20Abi,
        functionName: "transfer",
        args: [to as Address, micro],
        chain: null,
      });
      await client.waitForTransactionReceipt({ hash, pollingInterval: 100 });
    },
  };
}

/** A key in a file of its own, as a mounted secret; the reference the console stores. */
function keyFile(name: string, key: string): string {
  const dir = path.resolve(import.meta.dirname, "../test-results/rotation-keys");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, `${key}\n`);
  chmodSync(file, 0o600);
  return `file:${file}`;
}

/** Each step as the admin saw it, for review beside every-page.spec.ts's screenshots. */
const snap = (page: Page, name: string) =>
  page.screenshot({
    path: path.resolve(import.meta.dirname, `../test-results/screenshots/rotation-${name}.png`),
    fullPage: true,
  });

const currentStep = (page: Page) => page.getByRole("listitem").and(page.locator('[aria-current="step"]'));
const refusal = (page: Page) => page.getByTestId("refusal-code");

async function register(page: Page, address: string, keyRef: string) {
  await page.getByLabel("New payer address").fill(address);
  await page.getByLabel("Key reference").fill(keyRef);
  await page.getByRole("button", { name: "Register the new wallet" }).click();
}

test("an admin rotates the payer key; payments then settle from the new wallet and the old one is retired", async ({
  as,
  state,
  sql,
  pay,
}) => {
  test.setTimeout(240_000);
  const { client, usdcOf, sendUsdc } = chain(state);
  const chainId = await client.getChainId();
  const newKey = generatePrivateKey();
  const fresh = privateKeyToAccount(newKey);
  const oldWallet = state.payerAddress.toLowerCase();
  const errors: string[] = [];
  const page = await as("admin");
  page.on("pageerror", (e) => errors.push(e.message));

  await page.goto("/treasury/rotate");
  await expect(page.getByRole("heading", { level: 1, name: "Rotate the payer key" })).toBeVisible();
  await expect(page.getByText("No rotation yet")).toBeVisible();
  await expect(currentStep(page)).toContainText("Register the new wallet");

  // Bad input: refused with the field named, nothing saved.
  await register(page, "0x1234", "MY_KEY");
  await expect(page.getByText(/expected a 0x-prefixed 20-byte hex address/).first()).toBeVisible();
  await expect(page.getByText(/expected env:VAR_NAME/).first()).toBeVisible();
  // A reference whose key is another wallet's: refused with the code and the derived address.
  const strangerKey = generatePrivateKey();
  await register(page, fresh.address, keyFile("other.key", strangerKey));
  await expect(refusal(page)).toHaveText("rotation_key_mismatch");
  await expect(page.getByText(privateKeyToAccount(strangerKey).address)).toBeVisible();
  expect((await sql`SELECT count(*)::int AS n FROM payer_rotations`)[0]?.n).toBe(0);

  // 1. Register.
  await register(page, fresh.address, keyFile("new-payer.key", newKey));
  await expect(currentStep(page)).toContainText("The new wallet proves control");
  // 2. Prove (the server signs with the key the reference names).
  await page.getByRole("button", { name: "Sign the proof with the new key" }).click();
  await expect(currentStep(page)).toContainText("A treasury owner approves");

  // 3. A stranger's approval, pasted: refused by the server, the rotation stays where it was.
  const [row] = await sql`SELECT id, old_wallet, new_wallet, nonce, deadline FROM payer_rotations`;
  if (!row) throw new Error("no rotation row");
  const typed = approvalTypedData(
    {
      id: row.id,
      oldWallet: row.old_wallet,
      newWallet: row.new_wallet,
      nonce: row.nonce,
      deadline: row.deadline,
    },
    chainId,
  );
  const stranger = privateKeyToAccount(generatePrivateKey());
  await page.getByLabel("Owner's signature").fill(await stranger.signTypedData(typed));
  await page.getByRole("button", { name: "Submit the signature" }).click();
  await expect(refusal(page)).toHaveText("rotation_approver_not_owner");
  await expect(page.getByText(stranger.address)).toBeVisible();
  expect((await sql`SELECT state FROM payer_rotations`)[0]?.state).toBe("proven");
  await snap(page, "approve-refused");

  // A reload mid-flow resumes at the same step.
  await page.reload();
  await expect(currentStep(page)).toContainText("A treasury owner approves");
  await expect(page.getByText(typed.message.nonce)).toBeVisible();

  // Owner A (the demo wallet's first account, the funding wallet) signs in the connected wallet:
  // one signature of the two the quorum needs, so the rotation still waits for approval.
  const [ownerA, ownerB] = state.ownerAddresses;
  const signatures = page.getByRole("status").filter({ hasText: "owner signatures" });
  await expect(signatures).toContainText("0 of 2");
  await page.getByRole("button", { name: "Demo wallet (local chain)" }).click();
  await expect(page.getByTestId("connected-address")).toHaveText(ownerA);
  await page.getByRole("button", { name: "Sign the approval in the wallet" }).click();
  await expect(signatures).toContainText(`1 of 2 owner signatures (${ownerA})`);
  await expect(currentStep(page)).toContainText("A treasury owner approves");
  expect((await sql`SELECT state FROM payer_rotations`)[0]?.state).toBe("proven");
  await snap(page, "approve-one-of-two");

  // Owner A again, without switching: the page warns, the server refuses, still 1 of 2.
  await expect(page.getByText("The connected wallet already signed")).toBeVisible();
  await page.getByRole("button", { name: "Sign the approval in the wallet" }).click();
  await expect(refusal(page)).toHaveText(/^rotation_approval_(replayed|duplicate_signer)$/);
  await expect(signatures).toContainText("1 of 2");
  expect((await sql`SELECT state FROM payer_rotations`)[0]?.state).toBe("proven");

  // Switch the demo wallet to owner B and sign: the quorum, approved.
  await page.getByLabel("Demo account (the one that signs)").selectOption(ownerB);
  await expect(page.getByTestId("connected-address")).toHaveText(ownerB);
  await page.getByRole("button", { name: "Sign the approval in the wallet" }).click();
  await expect(currentStep(page)).toContainText("Test payment from the new wallet");
  const approved = await sql`SELECT approver FROM payer_rotations`;
  expect(approved[0]?.approver).toBe(ownerB.toLowerCase());
  const signers = await sql`SELECT signer FROM payer_rotation_approvals ORDER BY id`;
  expect(signers.map((a) => a.signer)).toEqual([ownerA.toLowerCase(), ownerB.toLowerCase()]);

  // 4. The new wallet holds nothing: refused before anything is signed.
  await expect(page.getByText(/send it a little USDC first/)).toBeVisible();
  await page.getByLabel("Agent").selectOption("builder_agent");
  await page.getByLabel("Vendor URL").fill(`${state.vendorUrl}/search?q=rotation-test`);
  await page.getByRole("button", { name: "Make the test payment" }).click();
  await expect(refusal(page)).toHaveText("rotation_new_wallet_unfunded");
  await snap(page, "test-payment-unfunded");
  await sendUsdc(fresh.address, 1_000_000n);
  await page.getByRole("button", { name: "Make the test payment" }).click();
  await expect(currentStep(page)).toContainText("Move the USDC to the new wallet", { timeout: 30_000 });
  const [test_] = await sql`
    SELECT t.status, t.payer, t.agent_id FROM payer_rotations r JOIN transactions t ON t.id = r.test_payment_tx_id`;
  expect(test_).toMatchObject({ status: "completed", agent_id: "builder_agent" });
  expect(String(test_?.payer).toLowerCase()).toBe(fresh.address.toLowerCase());

  // 5. Sweep: the old wallet's whole balance arrives at the new one.
  const oldBefore = await usdcOf(oldWallet);
  const newBefore = await usdcOf(fresh.address);
  const newGasBefore = await client.getBalance({ address: fresh.address });
  expect(oldBefore).toBeGreaterThan(0n);
  await snap(page, "sweep");
  await page.getByRole("button", { name: "Move the USDC" }).click();
  await expect(currentStep(page)).toContainText("Make the new wallet the payer", { timeout: 60_000 });
  expect(await usdcOf(oldWallet)).toBe(0n);
  expect(await usdcOf(fresh.address)).toBe(newBefore + oldBefore);
  // The old wallet's ETH came along, so the new payer can pay for on-chain cancels.
  expect(await client.getBalance({ address: fresh.address })).toBeGreaterThan(newGasBefore);

  // 6. Complete.
  await page.getByRole("button", { name: "Make it the payer" }).click();
  const history = page.getByRole("table", { name: "Payer-key rotations, newest first" });
  await expect(history.getByRole("row").nth(1)).toContainText("completed");
  await expect(page.getByRole("button", { name: "Register the new wallet" })).toBeVisible();

  // The next agent payment settles from the new wallet, without a restart.
  const paid = await pay("builder_agent", "/search?q=after-rotation");
  expect(paid.status).toBe(200);
  const [after] =
    await sql`SELECT status, payer FROM transactions WHERE id = ${String(paid.body.transactionId)}`;
  expect(after?.status).toBe("completed");
  expect(String(after?.payer).toLowerCase()).toBe(fresh.address.toLowerCase());

  // The old wallet is retired: it cannot become the payer again.
  await register(page, state.payerAddress, "env:X402_PAYER_PRIVATE_KEY");
  await expect(refusal(page)).toHaveText("rotation_wallet_retired");
  await snap(page, "done");

  // Every step is in the audit log.
  const audited = await sql`
    SELECT action FROM audit_log WHERE target_type = 'payer_rotation' ORDER BY seq`;
  expect(audited.map((a) => a.action)).toEqual([
    "payer_rotation.registered",
    "payer_rotation.proven",
    "payer_rotation.approval_signed",
    "payer_rotation.approval_signed",
    "payer_rotation.approved",
    "payer_rotation.test_paid",
    "payer_rotation.sweep_started",
    "payer_rotation.sweep_signed",
    "payer_rotation.gas_moved",
    "payer_rotation.swept",
    "payer_rotation.completed",
  ]);

  // A rotation can be abandoned before money moves, after a confirmation; Escape keeps it.
  const another = generatePrivateKey();
  await register(page, privateKeyToAccount(another).address, keyFile("another.key", another));
  await expect(currentStep(page)).toContainText("The new wallet proves control");
  await page.getByRole("button", { name: "Cancel the rotation" }).click();
  const confirm = page.getByRole("dialog", { name: "Cancel this rotation?" });
  await expect(confirm).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(confirm).toBeHidden();
  expect((await sql`SELECT state FROM payer_rotations ORDER BY created_at DESC LIMIT 1`)[0]?.state).toBe(
    "registered",
  );
  await page.getByRole("button", { name: "Cancel the rotation" }).click();
  await confirm.getByRole("button", { name: "Cancel the rotation" }).click();
  await expect(history.getByRole("row").nth(1)).toContainText("cancelled");
  await expect(page.getByRole("button", { name: "Register the new wallet" })).toBeVisible();
  expect(errors).toEqual([]);
});

test("a viewer sees the rotation's state but no step to take", async ({ as }) => {
  const page = await as("viewer", "/treasury/rotate");
  await expect(page.getByText(/Rotating the payer key needs the admin role; you are viewer/)).toBeVisible();
  await expect(page.getByRole("button", { name: "Register the new wallet" })).toHaveCount(0);
  await expect(page.getByRole("table", { name: "Payer-key rotations, newest first" })).toBeVisible();
});
