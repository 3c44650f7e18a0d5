import { z } from "zod";
import { formatDollars, MoneyParseError, parseUsdc } from "../support/money";

/**
 * The Fund form's amount, checked in the browser before the wallet is asked to sign anything:
 * a positive USDC amount with at most 6 decimals, no more than the connected wallet holds.
 * Micro-USDC throughout (parseUsdc, never a float). Messages name the field, as the console's
 * other forms do ("Amount: …"), so they read the same under the field and in the summary.
 */

export const AMOUNT_LABEL = "Amount";

export function fundAmountSchema(balanceMicro: bigint | undefined) {
  return z
    .string()
    .trim()
    .transform((raw, ctx) => {
      const fail = (message: string) => {
        ctx.addIssue({ code: "custom", message: `${AMOUNT_LABEL}: ${message}` });
        return z.NEVER;
      };
      const value = raw.replace(/^\$/, "");
      if (value === "") return fail("enter an amount of USDC like 25 or 0.50");
      let micro: bigint;
      try {
        micro = parseUsdc(value);
      } catch (error) {
        const reason = error instanceof MoneyParseError ? error.reason : "not an amount";
        if (/negative/.test(reason)) return fail("enter more than 0 (a negative amount cannot be sent)");
        if (/decimal places/.test(reason))
          return fail("USDC has at most 6 decimal places (0.000001 is the smallest)");
        return fail(`enter a number like 25 or 0.50 (${reason})`);
      }
      if (micro === 0n) return fail("enter more than 0");
      if (balanceMicro === undefined)
        return fail("the wallet's USDC balance is not known yet; wait a moment and try again");
      if (micro > balanceMicro) {
        return fail(
          `${formatDollars(micro)} is more than the connected wallet holds (${formatDollars(balanceMicro)})`,
        );
      }
      return micro;
    });
}

/** The amount in micro-USDC, or the sentence that says why it is refused. */
export function checkFundAmount(
  raw: string,
  balanceMicro: bigint | undefined,
): { ok: true; micro: bigint } | { ok: false; message: string } {
  const parsed = fundAmountSchema(balanceMicro).safeParse(raw);
  if (parsed.success) return { ok: true, micro: parsed.data };
  return { ok: false, message: parsed.error.issues[0]?.message ?? `${AMOUNT_LABEL}: not an amount` };
}
