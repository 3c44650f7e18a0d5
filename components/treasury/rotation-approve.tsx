"use client";

import { useState } from "react";
import { useConnection, useSignTypedData } from "wagmi";
import { approveRotationAction } from "@/app/(console)/treasury/rotate/actions";
import { Button, SubmitRow } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { ErrorMessage } from "@/components/ui/form-message";
import { controlClass } from "@/components/ui/input";
import { formFields } from "@/components/ui/use-action";
import { UtcTime } from "@/components/ui/utc-time";
import type { Rotation } from "@/lib/payment-core/treasury/rotation";
import { approvalTypedData } from "@/lib/payment-core/treasury/rotation-messages";
import type { Wire } from "@/lib/wire";
import { ConnectPanel, walletRefused } from "./connect-panel";
import { Refusal, useRotationStep } from "./rotation-refusal";
import { useWalletSetup } from "./wallet-provider";

/**
 * Step 3: a treasury owner signs EIP-712 RotatePayerWallet { oldWallet, newWallet, nonce, deadline }
 * in the connected wallet (a Ledger or Trezor shows the fields on its screen), or pastes a
 * signature made elsewhere. The server recovers the signer and checks it against the owners; the
 * page only warns when the connected wallet is not one of them.
 */
export function ApproveStep({
  rotation,
  owners,
  quorum,
  approvals,
  canAct,
}: {
  rotation: Wire<Rotation>;
  owners: readonly string[];
  /** How many distinct owners must sign, and who signed so far. */
  quorum: number;
  approvals: readonly string[];
  canAct: boolean;
}) {
  const setup = useWalletSetup();
  const connection = useConnection();
  const sign = useSignTypedData();
  const step = useRotationStep(approveRotationAction);
  const [walletError, setWalletError] = useState<string | null>(null);
  const typed = approvalTypedData({ ...rotation, deadline: new Date(rotation.deadline) }, setup.chainId);
  const address = connection.status === "connected" ? connection.address : undefined;
  const onChain = connection.chainId === setup.chainId;
  const isOwner = address ? owners.some((o) => o.toLowerCase() === address.toLowerCase()) : false;
  const signedAlready = address ? approvals.some((a) => a.toLowerCase() === address.toLowerCase()) : false;

  const signInWallet = async () => {
    if (!address) return;
    setWalletError(null);
    try {
      const signature = await sign.mutateAsync({ account: address, ...typed });
      step.run({ rotationId: rotation.id, signature });
    } catch (error) {
      setWalletError(
        walletRefused(error)
          ? "You declined to sign in your wallet: the rotation is not approved."
          : `The wallet did not sign (${(error as Error).message.split("\n")[0]}).`,
      );
    }
  };

  return (
    <div className="flex flex-col gap-4">
      <h2 className="text-lg font-semibold">Treasury owners approve</h2>
      <p className="text-sm" role="status">
        <strong>
          {approvals.length} of {quorum}
        </strong>{" "}
        owner signatures
        {approvals.length > 0 ? ` (${approvals.join(", ")})` : ""}: each owner signs in turn; the rotation is
        approved when {quorum} distinct owners have signed.
      </p>
      <dl className="grid max-w-2xl grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="font-medium">Old wallet</dt>
        <dd className="break-all font-mono text-xs">{typed.message.oldWallet}</dd>
        <dt className="font-medium">New wallet</dt>
        <dd className="break-all font-mono text-xs">{typed.message.newWallet}</dd>
        <dt className="font-medium">Nonce</dt>
        <dd className="break-all font-mono text-xs">{typed.message.nonce}</dd>
        <dt className="font-medium">Deadline</dt>
        <dd>
          <UtcTime iso={rotation.deadline} />{" "}
          <span className="font-mono text-xs">({typed.message.deadline.toString()})</span>
        </dd>
        <dt className="font-medium">Domain</dt>
        <dd className="text-xs">
          {typed.domain.name} v{typed.domain.version}, chain {typed.domain.chainId}
        </dd>
      </dl>
      {owners.length === 0 ? (
        <ErrorMessage>
          No treasury owner is recorded (X402_TREASURY_OWNERS is recorded once as the{" "}
          <a href="/treasury/owners" className="underline underline-offset-2">
            initial set
          </a>
          ): nobody can approve.
        </ErrorMessage>
      ) : null}
      {canAct ? (
        <>
          <ConnectPanel purpose="approve" />
          {address && onChain ? (
            <div className="flex flex-col gap-2">
              {signedAlready ? (
                <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-950">
                  The connected wallet already signed: switch to another owner's account.
                </p>
              ) : null}
              {isOwner ? null : (
                <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-950">
                  The connected wallet is not a treasury owner: the console will refuse its approval.
                </p>
              )}
              <div>
                <Button onClick={signInWallet} disabled={sign.isPending || step.pending}>
                  {sign.isPending
                    ? "Sign in your wallet…"
                    : step.pending
                      ? "Checking the signature…"
                      : "Sign the approval in the wallet"}
                </Button>
              </div>
              {walletError ? <ErrorMessage>{walletError}</ErrorMessage> : null}
            </div>
          ) : null}
          <form
            noValidate
            aria-labelledby="paste-title"
            className="flex max-w-2xl flex-col gap-2"
            onSubmit={(event) => step.run({ rotationId: rotation.id, ...formFields(event, ["signature"]) })}
          >
            <h3 id="paste-title" className="font-medium">
              Signed elsewhere?
            </h3>
            <Field
              label="Owner's signature"
              hint="An owner who signed this typed data on another machine (x402 treasury rotate status --json shows it) pastes the 0x… signature here."
            >
              {(control) => (
                <textarea
                  {...control}
                  name="signature"
                  rows={2}
                  spellCheck={false}
                  className={`${controlClass} font-mono text-xs`}
                />
              )}
            </Field>
            <SubmitRow
              pending={step.pending}
              label="Submit the signature"
              busyLabel="Checking the signature…"
            />
          </form>
          <Refusal result={step.result} />
        </>
      ) : null}
    </div>
  );
}
