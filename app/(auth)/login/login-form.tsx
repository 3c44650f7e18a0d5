"use client";

import { useRouter } from "next/navigation";
import { signIn } from "next-auth/react";
import { startTransition, useActionState } from "react";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { ErrorMessage } from "@/components/ui/form-message";
import { Input } from "@/components/ui/input";

const ERROR_ID = "login-error";

export function LoginForm({ next }: { next: string }) {
  const router = useRouter();
  // The error of the last attempt, or null. Not a server action: next-auth's own sign-in call.
  const [error, submit, pending] = useActionState<string | null, FormData>(async (_previous, form) => {
    const result = await signIn("credentials", {
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
      redirect: false,
    });
    if (!result || result.error) {
      // The throttle's message says when to try again; anything else is one generic answer.
      return result?.error?.startsWith("Too many failed sign-ins")
        ? result.error
        : "Wrong email or password, or the account is disabled.";
    }
    router.push(next);
    router.refresh();
    return null;
  }, null);

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        startTransition(() => submit(form));
      }}
      className="flex flex-col gap-4"
      aria-describedby={error ? ERROR_ID : undefined}
    >
      <Field label="Email">
        {(control) => <Input {...control} name="email" type="email" autoComplete="username" required />}
      </Field>
      <Field label="Password">
        {(control) => (
          <Input {...control} name="password" type="password" autoComplete="current-password" required />
        )}
      </Field>
      {error && !pending ? <ErrorMessage id={ERROR_ID}>{error}</ErrorMessage> : null}
      <Button type="submit" size="lg" disabled={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}
