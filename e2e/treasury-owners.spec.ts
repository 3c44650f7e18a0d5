import AxeBuilder from "@axe-core/playwright";
import type { Page, Request } from "@playwright/test";
import type postgres from "postgres";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { ownerChangeTypedData } from "@/lib/payment-core/treasury/rotation-messages";
import { expect, test } from "./fixtures";

/**
 * Treasury owners (/treasury/owners) as a quorum: an admin only proposes a change; owners sign it
 * in their wallets (here the demo wallet's two accounts, owner A and owner B, the initial set
 * X402_TREASURY_OWNERS names, quorum 2), and the signature that reaches the quorum enacts it. A
 * stranger's signature, the same owner twice, and a removal below the quorum are refused with
 * their codes; a lower role has no form, and its forged server-action call is refused.
 */

const ownersTable = (page: Page) => page.getByRole("table", { name: "Treasury owners", exact: true });
const proposal = (page: Page, action: "Add" | "Remove", address: string) =>
  page.getByRole("listitem").filter({ hasText: `${action} ${address}` });

async function typedDataOf(sql: postgres.Sql, address: string, action: "add" | "remove", chainId: number) {
  const [row] = await sql<{ action: string; address: string; nonce: string; deadline: Date }[]>`
    SELECT action, address, nonce, deadline FROM treasury_owner_proposals
    WHERE address = ${address.toLowerCase()} AND action = ${action} ORDER BY proposed_at DESC LIMIT 1`;
  if (!row) throw new Error(`no proposal to ${action} ${address}`);
  return ownerChangeTypedData(row, chainId);
}

/** Signs `item`'s proposal with the connected demo account, switched to `account` first. */
async function signAs(page: Page, account: string, item: ReturnType<typeof proposal>) {
  await page.getByLabel("Demo account (the one that signs)").selectOption(account);
  await expect(page.getByTestId("connected-address")).toHaveText(account);
  await item.getByRole("button", { name: /^Sign in the wallet/ }).click();
}

test.describe("Treasury owners", () => {
  test("an admin proposes an owner; one owner's signature is 1 of 2, a stranger's and a repeat are refused, the second owner's enacts; a removal below the quorum is refused", async ({
    as,
    sql,
    state,
  }) => {
    test.setTimeout(120_000);
    const [ownerA, ownerB] = state.ownerAddresses;
    const newcomer = privateKeyToAccount(generatePrivateKey()).address;
    const label = `e2e ledger ${Date.now()}`;
    const errors: string[] = [];
    const page = await as("admin");
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto("/treasury/owners");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Treasury owners");
    await expect(page.getByText("a quorum of 2 of the 2 owners must sign")).toBeVisible();
    for (const owner of [ownerA, ownerB]) {
      await expect(ownersTable(page).getByRole("row").filter({ hasText: owner })).toContainText(
        "Initial set",
      );
    }
    const form = page.getByRole("region", { name: "Propose an owner" });

    // A malformed address: the field says why, the summary says nothing was saved, and nothing was.
    const proposals = () => sql`SELECT count(*)::int AS n FROM treasury_owner_proposals`;
    const before = await proposals();
    await form.getByLabel("Address").fill("0x1234");
    await form.getByRole("button", { name: "Propose adding this owner" }).click();
    await expect(form.getByLabel("Address")).toHaveAccessibleDescription(
      /Address: expected a 0x-prefixed 20-byte hex address/,
    );
    await expect(form.getByRole("alert").filter({ hasText: "1 problem: nothing was saved." })).toBeVisible();
    expect(await proposals()).toEqual(before);

    // The proposal, typed lower-case: proposed, not added.
    await form.getByLabel("Address").fill(newcomer.toLowerCase());
    await form.getByLabel("Label").fill(label);
    await form.getByLabel("Label").press("Enter");
    await expect(form.getByRole("status")).toContainText("it is added once a quorum of owners signed it");
    const added = proposal(page, "Add", newcomer);
    await expect(added).toContainText("open: 0 of 2 signatures");
    await expect(ownersTable(page).getByRole("row").filter({ hasText: newcomer })).toHaveCount(0);

    // A stranger's signature over the very proposal, pasted: refused with its code, nothing kept.
    const chainId = Number(state.consoleEnv.X402_NETWORK?.split(":")[1]);
    const typed = await typedDataOf(sql, newcomer, "add", chainId);
    const stranger = privateKeyToAccount(generatePrivateKey());
    await added.getByLabel("Owner's signature").fill(await stranger.signTypedData(typed));
    await added.getByRole("button", { name: "Submit the signature" }).click();
    await expect(added.getByRole("alert")).toContainText("owner_change_signer_not_owner");
    expect(await sql`SELECT 1 FROM treasury_owner_signatures`).toHaveLength(0);

    // Owner A signs in the demo wallet: 1 of 2, nothing enacted.
    await page.getByRole("button", { name: "Demo wallet (local chain)" }).click();
    await expect(page.getByTestId("connected-address")).toHaveText(ownerA);
    await signAs(page, ownerA, added);
    await expect(added.getByRole("status")).toHaveText(
      `Signed by ${ownerA}: 1 of 2. Another owner must sign.`,
    );
    await expect(added).toContainText("open: 1 of 2 signatures");
    await expect(ownersTable(page).getByRole("row").filter({ hasText: newcomer })).toHaveCount(0);

    // The signing state (wallet panel, demo account select, warnings, outcome) passes axe, as every-page.spec.ts scans pages.
    const { violations } = await new AxeBuilder({ page })
      .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"])
      .analyze();
    expect(
      violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.id} ${v.nodes.map((n) => n.html).join(" | ")}`),
    ).toEqual([]);

    // Owner A again (forgot to switch): the page warns, and the server refuses it.
    await expect(added.getByText("The connected wallet already signed this change")).toBeVisible();
    await added.getByRole("button", { name: /^Sign in the wallet/ }).click();
    await expect(added.getByRole("alert")).toContainText(/owner_change_(replayed|duplicate_signer)/);
    await expect(added).toContainText("open: 1 of 2 signatures");

    // Owner B: the quorum, enacted.
    await signAs(page, ownerB, added);
    await expect(added).toContainText("enacted: 2 of 2 signatures");
    const row = ownersTable(page).getByRole("row").filter({ hasText: newcomer });
    await expect(row).toContainText(label);
    await expect(row).toContainText("Quorum-signed proposal");
    const [audit] = await sql<{ actor: string; after: { signers: string[]; quorum: number } }[]>`
      SELECT actor, after FROM audit_log WHERE action = 'treasury_owner.add' AND target_id = ${newcomer}`;
    expect(audit).toEqual({
      actor: "admin@demo.local",
      after: expect.objectContaining({ signers: [ownerA, ownerB], quorum: 2 }),
    });

    // Removing the newcomer again: proposed after a confirmation, enacted by owners B then A.
    await page.getByRole("button", { name: `Propose removal of owner ${newcomer}` }).click();
    const dialog = page.getByRole("dialog", { name: "Propose removing this treasury owner?" });
    await expect(dialog).toContainText(newcomer);
    await dialog.getByRole("button", { name: "Propose removal" }).click();
    await expect(dialog).toBeHidden();
    const removal = proposal(page, "Remove", newcomer);
    await expect(removal).toContainText("open: 0 of 2 signatures");
    await signAs(page, ownerB, removal);
    await expect(removal).toContainText("open: 1 of 2 signatures");
    await signAs(page, ownerA, removal);
    await expect(removal).toContainText("enacted: 2 of 2 signatures");
    await expect(ownersTable(page).getByRole("row").filter({ hasText: newcomer })).toHaveCount(0);
    await expect(
      page
        .getByRole("table", { name: "Removed treasury owners" })
        .getByRole("row")
        .filter({ hasText: newcomer }),
    ).toContainText("admin@demo.local");

    // Two owners, quorum 2: removing either is refused before anything is proposed.
    const beforeRefusal = await proposals();
    await page.getByRole("button", { name: `Propose removal of owner ${ownerA}` }).click();
    await dialog.getByRole("button", { name: "Propose removal" }).click();
    await expect(dialog.getByRole("alert")).toContainText("treasury_owner_below_quorum");
    await expect(dialog.getByRole("alert")).toContainText(
      "would leave 1 owner(s), fewer than the quorum of 2",
    );
    expect(await proposals()).toEqual(beforeRefusal);
    expect(errors).toEqual([]);
  });

  test("a viewer and an operator see the owners and proposals but no form, and a forged proposal is refused", async ({
    as,
    sql,
    state,
  }) => {
    const listed = privateKeyToAccount(generatePrivateKey()).address;
    const forged = privateKeyToAccount(generatePrivateKey()).address;
    // Record the admin's real action call...
    const admin = await as("admin", "/treasury/owners");
    let captured: Request | undefined;
    admin.on("request", (request) => {
      if (request.method() === "POST" && request.headers()["next-action"]) captured = request;
    });
    const form = admin.getByRole("region", { name: "Propose an owner" });
    await form.getByLabel("Address").fill(listed);
    await form.getByRole("button", { name: "Propose adding this owner" }).click();
    // The proposal in the list (the first test checks the form's own message).
    await expect(proposal(admin, "Add", listed)).toContainText("open: 0 of 2 signatures");
    expect(captured).toBeDefined();

    for (const role of ["viewer", "operator"] as const) {
      const page = await as(role, "/treasury/owners");
      await expect(
        ownersTable(page).getByRole("row").filter({ hasText: state.ownerAddresses[0] }),
      ).toBeVisible();
      await expect(proposal(page, "Add", listed)).toContainText("open: 0 of 2 signatures");
      await expect(page.getByRole("region", { name: "Propose an owner" })).toHaveCount(0);
      await expect(page.getByRole("button", { name: /Propose removal/ })).toHaveCount(0);
      await expect(page.getByRole("button", { name: "Submit the signature" })).toHaveCount(0);
      await expect(page.getByText(`needs the admin role; you are ${role}`)).toBeVisible();

      // ...and replay it with this role's session, for another address.
      const headers: Record<string, string> = { ...(captured?.headers() ?? {}) };
      delete headers.cookie;
      // A same-origin call as the browser makes it: what refuses it must be the role, not the Origin.
      headers.origin = new URL(captured?.url() ?? "http://x").origin;
      const response = await page.request.post(captured?.url() ?? "", {
        headers,
        data: (captured?.postData() ?? "")
          .replaceAll(listed.toLowerCase(), forged)
          .replaceAll(listed, forged),
      });
      expect(await response.text()).toContain('"code":"forbidden"');
    }
    expect(
      await sql`SELECT 1 FROM treasury_owner_proposals WHERE address = ${forged.toLowerCase()}`,
    ).toHaveLength(0);
  });
});
