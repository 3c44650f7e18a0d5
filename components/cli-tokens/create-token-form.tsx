"use client";

import { useRef } from "react";
import { createCliTokenAction } from "@/app/(console)/settings/tokens/actions";
import { CopyButton } from "@/components/ledger/copy-button";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { ErrorSummary, FormMessage } from "@/components/ui/form-message";
import { Input } from "@/components/ui/input";
import { useAction } from "@/components/ui/use-action";
import { UtcTime } from "@/components/ui/utc-time";

const ERROR_LABELS = { name: "Name", ttlDays: "Lasts (days)" };
const FIELD_IDS = { name: "new-token-name", ttlDays: "new-token-days" };
// The domain's own codes for the two fields (a value the action's schema let through).
const FIELD_FOR_CODE = { invalid_token_name: "name", invalid_token_ttl: "ttlDays" };

/**
 * Makes a personal token for `x402 login --token`. The token is in this component's state only:
 * shown once with its command and copy buttons, gone when the page is left or reloaded (the
 * database keeps its SHA-256). `ttl` comes from the server page (X402_CLI_TOKEN_TTL_DAYS and the
 * domain's range), so this component imports nothing of the domain.
 */
export function CreateTokenForm({ ttl }: { ttl: { default: number; min: number; max: number } }) {
  const form = useRef<HTMLFormElement>(null);
  const { pending, errors, error, data, run } = useAction(createCliTokenAction, {
    fields: FIELD_FOR_CODE,
    labels: ERROR_LABELS,
    onSuccess: () => form.current?.reset(),
  });
  const command = data ? `x402 login --token ${data.token}` : "";

  return (
    <section aria-labelledby="new-token-title" className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="new-token-title" className="pb-1 text-lg font-semibold">
        Make a personal token
      </h2>
      <p className="pb-3 text-sm text-slate-700">
        For a shell where you cannot type your password (a server, a CI job): the token signs the CLI in as
        you, with your role, until it expires or is revoked. It is shown once.
      </p>
      {/* noValidate: the server's messages, for every field at once, are the one place errors appear. */}
      <form
        ref={form}
        onSubmit={(event) => {
          event.preventDefault();
          run(new FormData(event.currentTarget));
        }}
        noValidate
        className="flex flex-col gap-4 text-sm"
      >
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
          <Field
            id={FIELD_IDS.name}
            label="Name"
            hint="Where it is used, e.g. “build server”."
            error={errors.name}
          >
            {(control) => <Input {...control} name="name" required maxLength={100} autoComplete="off" />}
          </Field>
          <Field
            id={FIELD_IDS.ttlDays}
            label="Lasts (days)"
            hint={`From ${ttl.min} to ${ttl.max} days.`}
            error={errors.ttlDays}
          >
            {(control) => (
              <Input
                {...control}
                name="ttlDays"
                type="number"
                inputMode="numeric"
                min={ttl.min}
                max={ttl.max}
                step={1}
                defaultValue={ttl.default}
                required
              />
            )}
          </Field>
        </div>
        <ErrorSummary errors={errors} ids={FIELD_IDS} />
        <FormMessage error={error} />
        <div>
          <Button type="submit" size="lg" disabled={pending} className="text-sm">
            {pending ? "Making token…" : "Make token"}
          </Button>
        </div>
      </form>
      <div role="status" className="empty:hidden">
        {data ? (
          <div className="mt-4 flex flex-col gap-2 rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-950">
            <p>
              Token “{data.record.name}” made; it lasts until{" "}
              <UtcTime iso={data.record.expiresAt} withSeconds={false} />.{" "}
              <strong>Copy it now: it is shown only this once</strong> (the console keeps only its hash).
            </p>
            <div className="flex min-w-0 items-center">
              <code
                data-testid="new-cli-token"
                className="min-w-0 break-all rounded bg-white px-1.5 py-0.5 font-mono text-xs select-all"
              >
                {data.token}
              </code>
              <CopyButton value={data.token} label="token" />
            </div>
            <p>Sign a shell in with it:</p>
            <div className="flex min-w-0 items-center">
              <code
                data-testid="new-cli-token-command"
                className="min-w-0 break-all rounded bg-white px-1.5 py-0.5 font-mono text-xs select-all"
              >
                {command}
              </code>
              <CopyButton value={command} label="login command" />
            </div>
          </div>
        ) : null}
      </div>
    </section>
  );
}
