import {
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  encodePaymentRequiredHeader,
  encodePaymentResponseHeader,
} from "@x402/core/http";
import { createReceiptEIP712, OFFER_RECEIPT, signOfferEIP712 } from "@x402/extensions/offer-receipt";
import { Hono } from "hono";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { type Hex, keccak256, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ReceiptCard } from "@/components/ledger/receipt";
import { truncate } from "@/lib/testing/db";
import { serveLocally } from "@/lib/testing/hostile-vendor";
import {
  AGENT,
  balances,
  blockNow,
  config,
  expectLedgerMatchesChain,
  key,
  net,
  payer,
  row,
  setupLocalTestbed,
  t,
} from "@/lib/testing/local-payer";
import { createDemoVendorApp, DEMO_RECEIPT_KEY } from "@/scripts/localnet/vendors";
import { runBudgetAudit } from "../budget-audit/run";
import { CSV_COLUMNS, exportCsv } from "../ledger/csv";
import { importJsonl } from "../ledger/import";
import { exportJsonl } from "../ledger/jsonl";
import { getReceipt, type StoredReceipt } from "../receipts/store";
import { receiptView } from "../receipts/view";

/**
 * Vendors' signed receipts (x402 offer-receipt) as the payer records them: the demo vendors
 * behind the official Hono middleware (/code-scan signs offers and receipts), behind a proxy
 * that, when the query says `tamper=`, replaces what the vendor signed as a hostile vendor would.
 * Every payment here is real (anvil + USDC + facilitator); the receipt never changes its outcome.
 */

setupLocalTestbed();

const demoSigner = privateKeyToAccount(DEMO_RECEIPT_KEY);
const forger = privateKeyToAccount(keccak256(stringToHex("someone else's key")));
type Typed = Parameters<typeof demoSigner.signTypedData>[0];

let vendor: { url: string; stop(): Promise<void> };

async function tamper(mode: string, response: Response): Promise<Response> {
  const headers = new Headers(response.headers);
  if (response.status === 402 && mode === "amount") {
    // The vendor's own key signs an offer for ten times what it charges.
    const required = decodePaymentRequiredHeader(headers.get("payment-required") ?? "");
    const info = required.extensions?.[OFFER_RECEIPT] as {
      info: { offers: { payload: { amount: string } }[] };
    };
    for (const offer of info.info.offers) {
      offer.payload.amount = (BigInt(offer.payload.amount) * 10n).toString();
      (offer as unknown as { signature: Hex }).signature = await signOfferEIP712(
        offer.payload as never,
        (typed) => demoSigner.signTypedData(typed as Typed),
      );
    }
    headers.set("payment-required", encodePaymentRequiredHeader(required));
  }
  const settled = headers.get("payment-response");
  if (response.status < 400 && settled && mode !== "amount") {
    const settle = decodePaymentResponseHeader(settled);
    const ext = settle.extensions?.[OFFER_RECEIPT] as { info: { receipt: unknown } };
    const honest = ext.info.receipt as {
      payload: { resourceUrl: string; payer: string; network: string; transaction: string };
    };
    if (mode === "signer") {
      // Every field right, signed by a key that did not sign the offer.
      ext.info.receipt = await createReceiptEIP712(honest.payload, (typed) =>
        forger.signTypedData(typed as Typed),
      );
    } else if (mode === "garbage") {
      ext.info.receipt = { format: "eip712", payload: "<script>", signature: 42 };
    } else if (mode === "nul") {
      ext.info.receipt = { ...honest, payload: { ...honest.payload, resourceUrl: "http://x/\u0000" } };
    } else if (mode === "huge") {
      ext.info.receipt = { ...honest, padding: "x".repeat(200_000) };
    } else if (mode === "oversize") {
      ext.info.receipt = { ...honest, padding: "x".repeat(9_000) };
    } else if (mode === "badsig") {
      ext.info.receipt = { ...honest, signature: `0x${"ab".repeat(65)}` };
    }
    headers.set("payment-response", encodePaymentResponseHeader(settle));
  }
  return new Response(response.body, { status: response.status, headers });
}

beforeAll(async () => {
  const demo = createDemoVendorApp({
    facilitatorUrl: net.facilitatorUrl,
    chainId: net.chainId,
    usdcAddress: net.usdcAddress,
    payTo: net.payee,
  });
  const proxy = new Hono();
  proxy.all("*", async (c) => {
    const response = await demo.fetch(c.req.raw);
    const mode = new URL(c.req.url).searchParams.get("tamper");
    return mode ? tamper(mode, response) : response;
  });
  vendor = await serveLocally(proxy);
});

afterAll(async () => {
  await vendor?.stop();
});

/** The first block of this test's payments: the ledger (truncated before each test) must match the chain from it. */
let firstBlock: bigint;
beforeEach(async () => {
  await t.db.$client`TRUNCATE transaction_receipts`;
  firstBlock = (await blockNow()) + 1n;
});

const buy = (path: string) =>
  payer({ allow: [vendor.url] }).payForService({
    agentId: AGENT,
    url: `${vendor.url}${path}`,
    idempotencyKey: key(),
  });

/** A purchase that must complete and move exactly 0.25 USDC, whatever its receipt says. */
async function paidCodeScan(query: string) {
  const before = await balances();
  const out = await buy(`/code-scan?${query}`);
  expect(out).toMatchObject({ ok: true, paid: true, status: "completed", priceMicro: 250_000n });
  if (!out.ok || !out.paid) throw new Error("not paid");
  expect(before.payer - (await balances()).payer).toBe(250_000n);
  expect(await row(out.transactionId)).toMatchObject({ status: "completed", amount_micro: 250_000n });
  await expectLedgerMatchesChain(firstBlock);
  return { out, receipt: await getReceipt(t.db, out.transactionId) };
}

/** The transaction page's Receipt section, as text. */
const shown = (receipt: StoredReceipt | null) =>
  renderToStaticMarkup(createElement(ReceiptCard, { receipt: receipt && receiptView(receipt) }))
    .replace(/<[^>]+>/g, " ")
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/\s+/g, " ")
    .trim();

async function receiptFindings() {
  const { report } = await runBudgetAudit({ db: t.db, config }, { save: false });
  const check = report.checks.find((c) => c.name === "vendor_receipts");
  return { check, findings: check?.findings ?? [] };
}

describe("a vendor that signs receipts", () => {
  it("an honest receipt is stored verified, signed by the key that signed the offer", async () => {
    const { out, receipt } = await paidCodeScan("repo=a");
    expect(receipt).toMatchObject({
      status: "verified",
      reason: null,
      format: "eip712",
      signer: demoSigner.address,
      expectedSigner: demoSigner.address,
    });
    if (!receipt) throw new Error("no receipt stored");
    const payload = (receipt.receipt as { payload: Record<string, unknown> }).payload;
    expect(payload).toMatchObject({
      resourceUrl: `${vendor.url}/code-scan?repo=a`,
      network: net.network,
      payer: net.payer.address,
    });
    // The route asks for the hash (includeTxHash), but @x402/core 2.27 hands the extension the
    // enriched 402 declaration, not the route's, so the demo's receipts carry none; when one is
    // there it must be the row's (transaction_mismatch otherwise).
    expect(["", out.txHash]).toContain(payload.transaction);
    expect((receipt.offer as { payload: { amount: string } }).payload.amount).toBe("250000");
    const page = shown(receipt);
    expect(page).toMatch(/^Receipt Verification verified Format eip712 Signer 0x/);
    expect(page).toContain(`Receipt resource ${vendor.url}/code-scan?repo=a`);
    expect(page).toContain(`Receipt issued at ${new Date(Number(payload.issuedAt) * 1000).toISOString()}`);
    expect(renderToStaticMarkup(createElement(ReceiptCard, { receipt: receiptView(receipt) }))).toContain(
      'aria-label="Copy signed receipt"',
    );
    expect((await receiptFindings()).findings).toEqual([]);
  });

  it("a route without the extension stores no receipt", async () => {
    const out = await buy("/search");
    expect(out).toMatchObject({ ok: true, paid: true });
    if (!out.ok || !out.paid) return;
    expect(await getReceipt(t.db, out.transactionId)).toBeNull();
    expect(shown(null)).toBe("Receipt — The vendor sent no signed receipt.");
  });
});

describe("a hostile vendor's receipt: the payment completes, the receipt is invalid, the audit finds it", () => {
  it("forged: signed by another key than the offer's", async () => {
    const { out, receipt } = await paidCodeScan("tamper=signer");
    expect(receipt).toMatchObject({
      status: "invalid",
      reason: "signer_mismatch",
      signer: forger.address,
      expectedSigner: demoSigner.address,
    });
    expect(shown(receipt)).toContain(
      `Verification invalid (signer_mismatch: signed by another key than the offer's) Why signed by ${forger.address}, expected ${demoSigner.address}`,
    );
    const { check, findings } = await receiptFindings();
    expect(check).toMatchObject({ severity: "warning", findingCount: 1 });
    expect(findings).toEqual([
      expect.objectContaining({
        kind: "invalid_receipt",
        agentId: AGENT,
        transactionIds: [out.transactionId],
        figures: expect.objectContaining({
          reason: "signer_mismatch",
          signer: forger.address,
          expectedSigner: demoSigner.address,
          amountMicro: "250000",
        }),
      }),
    ]);
  });

  it("mismatched amount: the signed offer says ten times what the ledger took", async () => {
    const { out, receipt } = await paidCodeScan("tamper=amount");
    expect(receipt).toMatchObject({
      status: "invalid",
      reason: "amount_mismatch",
      signer: demoSigner.address,
    });
    expect(receipt?.detail).toContain('the offer\'s amount says "2500000", the payment has "250000"');
    const { findings } = await receiptFindings();
    expect(findings.map((f) => [f.kind, f.transactionIds, f.figures.reason])).toEqual([
      ["invalid_receipt", [out.transactionId], "amount_mismatch"],
    ]);
  });

  it.each([
    ["garbage", "malformed"],
    ["oversize", "too_large"],
    ["badsig", "bad_signature"],
    ["nul", "malformed"],
  ])("%s receipt: recorded invalid (%s), nothing crashes", async (mode, reason) => {
    const { receipt } = await paidCodeScan(`tamper=${mode}`);
    expect(receipt).toMatchObject({ status: "invalid", reason });
    if (mode === "oversize" || mode === "nul") expect(receipt?.receipt).toBeNull();
    const { findings } = await receiptFindings();
    expect(findings.map((f) => f.figures.reason)).toEqual([reason]);
  });
});

async function collect(lines: AsyncIterable<string>) {
  const out: string[] = [];
  for await (const l of lines) out.push(l);
  return out;
}

it("a PAYMENT-RESPONSE too large to read at all (200 KB receipt): the chain decides, nothing crashes, no receipt", async () => {
  const before = await balances();
  const out = await buy("/code-scan?tamper=huge");
  // The answer could not be read, so the vendor's word is not there: the chain shows the payment.
  expect(out).toMatchObject({ ok: false, settlement: { status: "completed", priceMicro: 250_000n } });
  if (out.ok) return;
  expect(before.payer - (await balances()).payer).toBe(250_000n);
  expect(await row(out.transactionId)).toMatchObject({ status: "completed", amount_micro: 250_000n });
  await expectLedgerMatchesChain(firstBlock);
  expect(await getReceipt(t.db, out.transactionId ?? "")).toBeNull();
});

describe("receipts in exports and imports", () => {
  it("CSV has the verdict and signer; JSONL the whole receipt; an import re-verifies it (round trip)", async () => {
    const good = (await paidCodeScan("repo=export")).out;
    const forged = (await paidCodeScan("tamper=signer")).out;
    const plain = await buy("/search");
    if (!plain.ok || !plain.paid) throw new Error("not paid");

    const csv = (await collect(exportCsv(t.db))).join("");
    const [header, ...rows] = csv.trimEnd().split("\r\n");
    expect(header?.split(",").slice(-4, -1)).toEqual(["receipt_status", "receipt_reason", "receipt_signer"]);
    expect(CSV_COLUMNS.slice(-4, -1)).toEqual(["receipt_status", "receipt_reason", "receipt_signer"]);
    const tail = (id: string) =>
      rows
        .find((r) => r.startsWith(`${id},`))
        ?.split(",")
        .slice(-4, -1);
    expect(tail(good.transactionId)).toEqual(["verified", "", demoSigner.address]);
    expect(tail(forged.transactionId)).toEqual(["invalid", "signer_mismatch", forger.address]);
    expect(tail(plain.transactionId)).toEqual(["", "", ""]);

    const lines = (await collect(exportJsonl(t.db))).map((l) => l.trimEnd());
    const byId = (id: string) => JSON.parse(lines.find((l) => l.includes(`"${id}"`)) ?? "{}");
    expect(byId(good.transactionId).receipt).toMatchObject({
      status: "verified",
      reason: null,
      signer: demoSigner.address,
      signed: { format: "eip712", payload: { resourceUrl: `${vendor.url}/code-scan?repo=export` } },
      offer: { format: "eip712", payload: { amount: "250000" } },
    });
    expect(byId(forged.transactionId).receipt).toMatchObject({
      status: "invalid",
      reason: "signer_mismatch",
    });
    expect(byId(plain.transactionId).receipt).toBeUndefined();

    // Into an empty ledger: the receipts come back as they were, checked again, and export the same.
    await truncate(t.db, "transactions, budget_usage, transaction_receipts");
    const report = await importJsonl(t.db, lines, { actor: "test" });
    expect(report).toMatchObject({ committed: true, imported: 3, invalid: [] });
    expect(await getReceipt(t.db, good.transactionId)).toMatchObject({
      status: "verified",
      signer: demoSigner.address,
    });
    expect(await getReceipt(t.db, forged.transactionId)).toMatchObject({
      status: "invalid",
      reason: "signer_mismatch",
    });
    expect(await getReceipt(t.db, plain.transactionId)).toBeNull();
    expect((await collect(exportJsonl(t.db))).map((l) => l.trimEnd()).sort()).toEqual([...lines].sort());
  });

  it("a hostile file: a receipt that claims verified but was altered is stored invalid; bad shapes are refused", async () => {
    const good = (await paidCodeScan("repo=hostile")).out;
    const [line] = (await collect(exportJsonl(t.db))).map((l) => l.trimEnd());
    const original = JSON.parse(line ?? "{}");
    await truncate(t.db, "transactions, budget_usage, transaction_receipts");

    // The offer's amount raised after signing, the verdict left at "verified".
    const altered = structuredClone(original);
    altered.transaction_id = "tx_altered";
    altered.receipt.offer.payload.amount = "1";
    // The file says invalid: it stays invalid even though its signatures check.
    const demoted = { ...structuredClone(original), transaction_id: "tx_demoted" };
    demoted.receipt.status = "invalid";
    demoted.receipt.reason = "payto_mismatch";
    const report = await importJsonl(t.db, [JSON.stringify(altered), JSON.stringify(demoted)], {
      actor: "test",
    });
    expect(report).toMatchObject({ committed: true, imported: 2 });
    // An EIP-712 signature over other fields recovers another address: not the receipt's signer.
    expect(await getReceipt(t.db, "tx_altered")).toMatchObject({
      status: "invalid",
      reason: "signer_mismatch",
    });
    expect(await getReceipt(t.db, "tx_demoted")).toMatchObject({
      status: "invalid",
      reason: "payto_mismatch",
    });
    expect(good.transactionId).toBe(original.transaction_id);

    const bad = (over: Record<string, unknown>, receipt: unknown) =>
      JSON.stringify({ ...original, transaction_id: `tx_bad_${Math.random()}`, ...over, receipt });
    const refused = await importJsonl(
      t.db,
      [
        bad({}, { ...original.receipt, padding: "x".repeat(30_000) }),
        bad({}, "verified"),
        bad({}, { ...original.receipt, status: "trusted" }),
        bad({ status: "failed", blockchain_tx_hash: null }, original.receipt),
      ],
      { actor: "test", skipInvalid: true },
    );
    expect(refused.imported).toBe(0);
    expect(refused.invalid.map((i) => [i.line, i.problems.map((p) => p.field)])).toEqual([
      [1, ["receipt"]],
      [2, ["receipt"]],
      [3, ["receipt"]],
      [4, ["receipt"]],
    ]);
    expect(refused.invalid[0]?.reason).toContain("over 24576");
    expect(refused.invalid[3]?.reason).toContain("a receipt on a failed line");
  });
});
