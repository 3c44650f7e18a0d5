"use client";

import { useState } from "react";
import { useConnection, useSignTypedData } from "wagmi";
import { signOwnerProposalAction } from "@/app/(console)/treasury/owners/actions";
import { Button } from "@/components/ui/button";
import { ErrorMessage, FormMessage } from "@/components/ui/form-message";
import { useAction } from "@/components/ui/use-action";
import { ownerChangeTypedData } from "@/lib/payment-core/treasury/rotation-messages";
import { walletRefused } from "../connect-panel";
import { useWalletSetup } from "../wallet-provider";
import { codedError } from "./coded-error";

export interface ProposalToSign {
  id: string;
  action: "add" | "remove";
  address: string;
  nonce: string;
  /** ISO time; the typed data carries it as unix seconds. */
  deadline: string;
  /** Who signed so far (checksummed). */
  signers: readonly string[];
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * One owner's ChangeTreasuryOwner signature for a proposal: made in the connected wallet (the page's
 * "Owner wallet" panel; a Ledger or Trezor shows the fields on its screen), or pasted from a wallet
 * elsewhere (the typed data `x402 treasury owners proposals --json` shows). The server recovers the
 * signer, checks it, and enacts the change when a quorum of distinct owners signed; the page only
 * warns when the connected wallet is not an owner or already signed.
 */
export function SignProposalForm({
  proposal,
  owners,
}: {
  proposal: ProposalToSign;
  owners: readonly string[];
}) {
  const setup = useWalletSetup();
  const connection = useConnection();
  const sign = useSignTypedData();
  const { pending, error, errors, result, data, run } = useAction(signOwnerProposalAction, {});
  const [walletError, setWalletError] = useState<string | null>(null);
  const typed = ownerChangeTypedData({ ...proposal, deadline: new Date(proposal.deadline) }, setup.chainId);
  const address = connection.status === "connected" ? connection.address : undefined;
  const onChain = connection.chainId === setup.chainId;
  const isOwner = address ? owners.some((o) => same(o, address)) : false;
  const signedAlready = address ? proposal.signers.some((s) => same(s, address)) : false;
  const what = `${proposal.action === "add" ? "adding" : "removing"} ${proposal.address}`;

  const signInWallet = async () => {
    if (!address) return;
    setWalletError(null);
    try {
      const signature = await sign.mutateAsync({ account: address, ...typed });
      run({ proposalId: proposal.id, signature });
    } catch (e) {
      setWalletError(
        walletRefused(e)
          ? "You declined to sign in your wallet: nothing was signed."
          : `The wallet did not sign (${(e as Error).message.split("\n")[0]}).`,
      );
    }
  };

  return (
    <div className="mt-2 flex flex-col gap-2 text-sm">
      {address && onChain ? (
        <div className="flex flex-col gap-2">
          {signedAlready ? (
            <p className="rounded-md bg-amber-50 px-3 py-2 text-amber-950">
              The connected wallet already signed this change: switch to another owner's account.
            </p>
          ) : null}
          {isOwner ? null : (
            <p className="rounded-md bg-amber-50 px-3 py-2 text-amber-950">
              The connected wallet is not a treasury owner: the console will refuse its signature.
            </p>
          )}
          <div>
            {/* The proposal in the name, for screen readers, after the visible words (WCAG 2.5.3). */}
            <Button size="sm" onClick={signInWallet} disabled={sign.isPending || pending}>
              {sign.isPending
                ? "Sign in your wallet…"
                : pending
                  ? "Checking the signature…"
                  : "Sign in the wallet"}
              <span className="sr-only"> ({what})</span>
            </Button>
          </div>
          {walletError ? <ErrorMessage>{walletError}</ErrorMessage> : null}
        </div>
      ) : null}
      <form
        noValidate
        className="flex flex-col gap-2"
        onSubmit={(event) => {
          event.preventDefault();
          run(new FormData(event.currentTarget));
        }}
      >
        <input type="hidden" name="proposalId" value={proposal.id} />
        <label className="flex flex-col gap-1">
          <span className="font-medium">Owner's signature (signed elsewhere)</span>
          <textarea
            name="signature"
            rows={2}
            spellCheck={false}
            className="rounded-md border border-slate-300 px-2 py-1 font-mono text-xs"
          />
        </label>
        <FormMessage
          error={errors.signature ? `Signature: ${errors.signature}` : codedError(error, result)}
          success={
            data
              ? data.enacted
                ? `Signed by ${data.signer}: ${data.signed} of ${data.quorum}. The change is enacted.`
                : `Signed by ${data.signer}: ${data.signed} of ${data.quorum}. Another owner must sign.`
              : ""
          }
        />
        <div>
          <Button type="submit" size="sm" variant="secondary" disabled={pending}>
            {pending ? "Checking the signature…" : "Submit the signature"}
          </Button>
        </div>
      </form>
    </div>
  );
}
