import { generateKeyPairSync, sign } from "node:crypto";
import {
  createOfferEIP712,
  createOfferJWS,
  createReceiptEIP712,
  createReceiptJWS,
  type JWSSigner,
} from "@x402/extensions/offer-receipt";
import { keccak256, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { checkReceipt, type PaymentFacts } from "./verify";

/**
 * The receipt check on its own, with receipts and offers signed by the official SDK's issuers:
 * the cases the local network's demo vendor does not produce (JWS keys, `upto`, a receipt that
 * names the transaction, no signed offer at all). The payments themselves are in
 * x402/payer-receipts.test.ts.
 */

const vendorKey = privateKeyToAccount(keccak256(stringToHex("verify.test vendor")));
const payeeKey = privateKeyToAccount(keccak256(stringToHex("verify.test payee")));
type Typed = Parameters<typeof vendorKey.signTypedData>[0];
const signWith = (account: typeof vendorKey) => (typed: unknown) => account.signTypedData(typed as Typed);

const URL_ = "https://api.example.com/scan?repo=a";
const TX = `0x${"cd".repeat(32)}`;
const facts: PaymentFacts = {
  resourceUrl: URL_,
  network: "eip155:31337",
  payer: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
  payee: payeeKey.address,
  asset: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  amountMicro: 250_000n,
  txHash: TX,
  scheme: "exact",
};
const offerInput = (over: Partial<{ amount: string; scheme: string; payTo: string }> = {}) => ({
  acceptIndex: 0,
  scheme: over.scheme ?? "exact",
  network: facts.network,
  asset: facts.asset,
  payTo: over.payTo ?? facts.payee,
  amount: over.amount ?? "250000",
});
const receiptInput = (over: Partial<{ transaction: string; payer: string }> = {}) => ({
  resourceUrl: URL_,
  payer: over.payer ?? facts.payer,
  network: facts.network,
  transaction: over.transaction ?? TX,
});

/** An Ed25519 JWS signer whose kid is a did:jwk (the key itself, resolvable without a fetch). */
function jwsSigner(): JWSSigner {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const jwk = publicKey.export({ format: "jwk" });
  const kid = `did:jwk:${Buffer.from(JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x })).toString("base64url")}`;
  return {
    kid,
    format: "jws",
    algorithm: "EdDSA",
    sign: async (payload) => Buffer.from(sign(null, payload, privateKey)).toString("base64url"),
  };
}

describe("checkReceipt", () => {
  it("EIP-712: verified when the offer's signer signed the receipt and every figure matches", async () => {
    const offer = await createOfferEIP712(URL_, offerInput(), signWith(vendorKey));
    const receipt = await createReceiptEIP712(receiptInput(), signWith(vendorKey));
    expect(await checkReceipt({ receipt, offers: [offer], acceptIndex: 0, facts })).toMatchObject({
      status: "verified",
      signer: vendorKey.address,
      expectedSigner: vendorKey.address,
    });
  });

  it("names the transaction: another hash is a mismatch; another payer too, all listed", async () => {
    const offer = await createOfferEIP712(URL_, offerInput(), signWith(vendorKey));
    const receipt = await createReceiptEIP712(
      receiptInput({ transaction: `0x${"ef".repeat(32)}`, payer: vendorKey.address }),
      signWith(vendorKey),
    );
    const out = await checkReceipt({ receipt, offers: [offer], acceptIndex: 0, facts });
    expect(out).toMatchObject({ status: "invalid", reason: "payer_mismatch" });
    expect(out.detail).toContain("the receipt's transaction says");
  });

  it("upto: the offer's amount is a ceiling; the row's smaller final amount verifies, a larger one does not", async () => {
    const offer = await createOfferEIP712(
      URL_,
      offerInput({ scheme: "upto", amount: "1000000" }),
      signWith(vendorKey),
    );
    const receipt = await createReceiptEIP712(receiptInput(), signWith(vendorKey));
    const upto = { ...facts, scheme: "upto", amountMicro: 420_000n };
    expect(await checkReceipt({ receipt, offers: [offer], acceptIndex: 0, facts: upto })).toMatchObject({
      status: "verified",
    });
    const over = { ...upto, amountMicro: 1_000_001n };
    expect(await checkReceipt({ receipt, offers: [offer], acceptIndex: 0, facts: over })).toMatchObject({
      status: "invalid",
      reason: "amount_mismatch",
    });
    // exact: any difference is a mismatch.
    const exactOffer = await createOfferEIP712(URL_, offerInput(), signWith(vendorKey));
    const less = { ...facts, amountMicro: 249_999n };
    expect(await checkReceipt({ receipt, offers: [exactOffer], acceptIndex: 0, facts: less })).toMatchObject({
      reason: "amount_mismatch",
    });
  });

  it("another payee in the offer is payto_mismatch", async () => {
    const offer = await createOfferEIP712(
      URL_,
      offerInput({ payTo: vendorKey.address }),
      signWith(vendorKey),
    );
    const receipt = await createReceiptEIP712(receiptInput(), signWith(vendorKey));
    expect(await checkReceipt({ receipt, offers: [offer], acceptIndex: 0, facts })).toMatchObject({
      reason: "payto_mismatch",
    });
  });

  it("no signed offer: an EIP-712 receipt must be signed by the payee itself", async () => {
    const byPayee = await createReceiptEIP712(receiptInput(), signWith(payeeKey));
    expect(await checkReceipt({ receipt: byPayee, offers: [], acceptIndex: 0, facts })).toMatchObject({
      status: "verified",
      expectedSigner: payeeKey.address,
    });
    const byOther = await createReceiptEIP712(receiptInput(), signWith(vendorKey));
    expect(await checkReceipt({ receipt: byOther, offers: [], acceptIndex: 0, facts })).toMatchObject({
      reason: "signer_mismatch",
    });
  });

  it("JWS (did:jwk): verified with the offer's key, signer_mismatch with another, did:web never fetched", async () => {
    const signer = jwsSigner();
    const offer = await createOfferJWS(URL_, offerInput(), signer);
    const receipt = await createReceiptJWS(receiptInput(), signer);
    expect(await checkReceipt({ receipt, offers: [offer], acceptIndex: 0, facts })).toMatchObject({
      status: "verified",
      format: "jws",
      signer: signer.kid,
    });
    const other = await createReceiptJWS(receiptInput(), jwsSigner());
    expect(await checkReceipt({ receipt: other, offers: [offer], acceptIndex: 0, facts })).toMatchObject({
      reason: "signer_mismatch",
    });
    const web = await createReceiptJWS(receiptInput(), {
      ...jwsSigner(),
      kid: "did:web:127.0.0.1%3A1#key-1",
    });
    expect(await checkReceipt({ receipt: web, offers: [offer], acceptIndex: 0, facts })).toMatchObject({
      reason: "jws_key_unsupported",
    });
    expect(await checkReceipt({ receipt, offers: [], acceptIndex: 0, facts })).toMatchObject({
      reason: "no_signed_offer",
    });
  });

  it("hostile shapes never throw", async () => {
    for (const receipt of [
      null,
      7,
      "x",
      [],
      { format: "eip712" },
      { format: "pgp", signature: "x" },
      { format: "jws", signature: "a.b.c" },
    ]) {
      const out = await checkReceipt({
        receipt,
        offers: [null, 3, { format: "eip712" }],
        acceptIndex: 0,
        facts,
      });
      expect(out.status).toBe("invalid");
    }
    const deep: Record<string, unknown> = {};
    let at = deep;
    for (let i = 0; i < 5000; i++) at = at.a = {} as Record<string, unknown>;
    expect(await checkReceipt({ receipt: deep, offers: [], acceptIndex: 0, facts })).toMatchObject({
      status: "invalid",
    });
  });
});
