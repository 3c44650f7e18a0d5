"use client";

import { useRouter } from "next/navigation";
import { useRef } from "react";
import {
  cancelRotationAction,
  completeRotationAction,
  proveRotationAction,
  sweepRotationAction,
  testPaymentAction,
} from "@/app/(console)/treasury/rotate/actions";
import { CopyButton } from "@/components/ledger/copy-button";
import { Button, SubmitRow } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import { Money } from "@/components/ui/usd";
import { formFields, useAction } from "@/components/ui/use-action";
import type { Rotation } from "@/lib/payment-core/treasury/rotation";
import type { Wire } from "@/lib/wire";
import { Refusal, useRotationStep } from "./rotation-refusal";

/** A one-button step on the rotation: what it does, its button, and the server's refusal if any. */
function ButtonStep({
  rotation,
  action,
  title,
  children,
  label,
  busyLabel,
}: {
  rotation: Wire<Rotation>;
  action: typeof proveRotationAction;
  title: string;
  children: React.ReactNode;
  label: string;
  busyLabel: string;
}) {
  const step = useRotationStep(action);
  const run = () => step.run({ rotationId: rotation.id });
  return (
    <div className="flex max-w-2xl flex-col gap-3">
      <h2 className="text-lg font-semibold">{title}</h2>
      <div className="flex flex-col gap-2 text-sm text-slate-800">{children}</div>
      <SubmitRow pending={step.pending} label={label} busyLabel={busyLabel} onClick={run} />
      <Refusal result={step.result} />
    </div>
  );
}

/** Step 2: the server signs ProvePayerControl with the key the reference names and checks it recovers to the new wallet. */
export function ProveStep({ rotation }: { rotation: Wire<Rotation> }) {
  return (
    <ButtonStep
      rotation={rotation}
      action={proveRotationAction}
      title="The new wallet proves control"
      label="Sign the proof with the new key"
      busyLabel="Signing…"
    >
      <p>
        The console reads the key at the registered reference and signs the EIP-712 message ProvePayerControl
        with it; the signature must recover to{" "}
        <span className="break-all font-mono">{rotation.newWallet}</span>.
      </p>
    </ButtonStep>
  );
}

/** Step 4: a real purchase signed by the new wallet, charged to an agent the operator picks. */
export function TestPaymentStep({
  rotation,
  agentIds,
  lastPaid,
  newWalletMicro,
}: {
  rotation: Wire<Rotation>;
  agentIds: string[];
  lastPaid: { agentId: string; url: string } | null;
  newWalletMicro: string | null;
}) {
  const step = useRotationStep(testPaymentAction);
  const errors = step.result && !step.result.ok && step.result.code === "invalid_input" ? step.errors : {};
  return (
    <form
      noValidate
      aria-labelledby="test-title"
      className="flex max-w-2xl flex-col gap-3"
      onSubmit={(event) => step.run({ rotationId: rotation.id, ...formFields(event, ["agentId", "url"]) })}
    >
      <h2 id="test-title" className="text-lg font-semibold">
        Test payment from the new wallet
      </h2>
      <p className="text-sm text-slate-800">
        A real x402 purchase signed by the new wallet must settle. It is an ordinary ledger row of the agent
        you choose, counted against its budget. The new wallet holds{" "}
        {newWalletMicro === null ? "an amount the chain did not tell" : <Money micro={newWalletMicro} />}
        {newWalletMicro === "0" ? (
          <>
            : send it a little USDC first (at least the purchase's price) to{" "}
            <span className="break-all font-mono">{rotation.newWallet}</span>
            <CopyButton value={rotation.newWallet} label="new wallet address" />
          </>
        ) : (
          "."
        )}
      </p>
      <Field label="Agent" error={errors.agentId}>
        {(control) => (
          <Select
            {...control}
            name="agentId"
            defaultValue={lastPaid?.agentId ?? agentIds[0]}
            options={agentIds}
          />
        )}
      </Field>
      <Field
        label="Vendor URL"
        error={errors.url}
        hint="A cheap resource of a vendor you trust; by default the last URL a payment settled for."
      >
        {(control) => (
          <Input
            {...control}
            name="url"
            defaultValue={lastPaid?.url ?? ""}
            inputMode="url"
            autoComplete="off"
          />
        )}
      </Field>
      <SubmitRow pending={step.pending} label="Make the test payment" busyLabel="Paying and settling…" />
      {step.result?.ok || step.result?.code === "invalid_input" ? null : <Refusal result={step.result} />}
    </form>
  );
}

/** Step 5: open authorizations of the old wallet resolved, then its whole USDC balance moved. */
export function SweepStep({
  rotation,
  oldWalletMicro,
}: {
  rotation: Wire<Rotation>;
  oldWalletMicro: string | null;
}) {
  return (
    <ButtonStep
      rotation={rotation}
      action={sweepRotationAction}
      title="Move the USDC to the new wallet"
      label="Move the USDC"
      busyLabel="Resolving open payments and moving the USDC…"
    >
      <p>
        First every open authorization the old wallet signed is resolved: captured if a vendor used it,
        cancelled on chain if not, so nothing in flight is lost. Then the old wallet's whole USDC balance
        {oldWalletMicro === null ? null : (
          <>
            {" "}
            (now <Money micro={oldWalletMicro} />)
          </>
        )}{" "}
        moves to <span className="break-all font-mono">{rotation.newWallet}</span> in one transfer. This
        cannot be undone: after it the rotation can only go forward.
      </p>
      {rotation.sweepTxHash ? (
        <p className="rounded-md bg-amber-50 px-3 py-2 text-amber-950">
          A sweep transfer was already signed and recorded:{" "}
          <span className="break-all font-mono text-xs">{rotation.sweepTxHash}</span>. Moving the USDC again
          asks the chain about that transfer first; it never signs a second one while the first can still be
          mined.
        </p>
      ) : null}
    </ButtonStep>
  );
}

/** Step 6: the old wallet retired and the new one made the payer, in one transaction. */
export function CompleteStep({ rotation }: { rotation: Wire<Rotation> }) {
  return (
    <ButtonStep
      rotation={rotation}
      action={completeRotationAction}
      title="Make the new wallet the payer"
      label="Make it the payer"
      busyLabel="Switching the payer…"
    >
      <p>
        Moved <Money micro={rotation.sweepAmountMicro ?? "0"} /> to the new wallet. Completing retires{" "}
        <span className="break-all font-mono">{rotation.oldWallet}</span> (its key signs nothing again) and
        the next payment signs with <span className="break-all font-mono">{rotation.newWallet}</span>, without
        a restart.
      </p>
    </ButtonStep>
  );
}

/** Abandons the rotation before money moved, after a confirmation. */
export function CancelRotation({ rotation }: { rotation: Wire<Rotation> }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const router = useRouter();
  const step = useAction(cancelRotationAction, {
    onSuccess: () => {
      dialog.current?.close();
      router.refresh();
    },
  });
  return (
    <div>
      <Button
        variant="danger-outline"
        size="sm"
        onClick={() => {
          step.dismiss();
          dialog.current?.showModal();
        }}
      >
        Cancel the rotation
      </Button>
      <ConfirmDialog
        dialogRef={dialog}
        title="Cancel this rotation?"
        error={<Refusal result={step.result} />}
        confirmLabel="Cancel the rotation"
        busyLabel="Cancelling…"
        pending={step.pending}
        onConfirm={() => step.run({ rotationId: rotation.id })}
      >
        <span className="break-all font-mono text-xs">{rotation.oldWallet}</span> stays the payer. The new
        wallet is not used; a test payment already made stays in the ledger. To rotate later, start again.
      </ConfirmDialog>
    </div>
  );
}
