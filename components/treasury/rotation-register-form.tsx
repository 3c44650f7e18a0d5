"use client";

import { registerRotationAction } from "@/app/(console)/treasury/rotate/actions";
import { SubmitRow } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { ErrorSummary } from "@/components/ui/form-message";
import { Input } from "@/components/ui/input";
import { formFields } from "@/components/ui/use-action";
import { Refusal, useRotationStep } from "./rotation-refusal";

const IDS = { newAddress: "rotation-new-address", keyRef: "rotation-key-ref" };

/**
 * Step 1: the new payer wallet's address and where its key lives. The key itself is never typed
 * here: the server reads it from the reference (an environment variable or a mounted secret file)
 * and refuses a reference whose key is not the address's.
 */
export function RegisterForm() {
  const step = useRotationStep(registerRotationAction);
  const fieldErrors =
    step.result && !step.result.ok && step.result.code === "invalid_input" ? step.errors : {};
  return (
    <form
      noValidate
      aria-labelledby="register-title"
      className="flex max-w-xl flex-col gap-4"
      onSubmit={(event) => step.run(formFields(event, ["newAddress", "keyRef"]))}
    >
      <h2 id="register-title" className="text-lg font-semibold">
        Start a rotation: register the new payer wallet
      </h2>
      <Field
        id={IDS.newAddress}
        label="New payer address"
        error={fieldErrors.newAddress}
        hint="A wallet made for paying vendors (not a treasury owner's), on the payer's network."
      >
        {(control) => (
          <Input {...control} name="newAddress" autoComplete="off" spellCheck={false} className="font-mono" />
        )}
      </Field>
      <Field
        id={IDS.keyRef}
        label="Key reference"
        error={fieldErrors.keyRef}
        hint={
          <>
            Where the console reads the new key: <code>env:VAR_NAME</code> (an environment variable your
            secrets manager injects) or <code>file:/absolute/path</code> (a mounted secret file). Never the
            key itself.
          </>
        }
      >
        {(control) => (
          <Input {...control} name="keyRef" autoComplete="off" spellCheck={false} className="font-mono" />
        )}
      </Field>
      <ErrorSummary errors={fieldErrors} ids={IDS} />
      <SubmitRow pending={step.pending} label="Register the new wallet" busyLabel="Checking the key…" />
      {step.result?.ok || step.result?.code === "invalid_input" ? null : <Refusal result={step.result} />}
    </form>
  );
}
