import { readFile } from "node:fs/promises";
import { isAbsolute } from "node:path";
import type { Hex } from "viem";
import { z } from "zod";
import { OperationError } from "../support/errors";

/**
 * A secrets-manager reference to a payer key, never the key: `env:VAR_NAME` (the process
 * environment, as a secrets manager injects it) or `file:/absolute/path` (a mounted secret file).
 * Only the reference is stored (wallets.key_ref); the key is read when it is needed to sign.
 */
export const keyRefSchema = z
  .string()
  .trim()
  .refine(
    (v) =>
      /^env:[A-Z_][A-Z0-9_]{0,127}$/.test(v) ||
      (v.startsWith("file:") && isAbsolute(v.slice(5)) && !v.slice(5).includes("\0")),
    "expected env:VAR_NAME (upper-case letters, digits, _) or file:/absolute/path",
  );

const PRIVATE_KEY = /^0x[0-9a-fA-F]{64}$/;

/**
 * The private key `ref` names. Refusals carry the reference (which is not secret), never the
 * value read: `key_ref_unresolved` when nothing is there, `key_ref_invalid` when it is not a key.
 */
export async function resolveKeyRef(
  ref: string,
  environment: Record<string, string | undefined> = process.env,
): Promise<Hex> {
  const parsed = keyRefSchema.safeParse(ref);
  if (!parsed.success) {
    throw new OperationError("key_ref_invalid", parsed.error.issues[0]?.message ?? "invalid key reference", {
      keyRef: ref,
    });
  }
  let value: string | undefined;
  if (parsed.data.startsWith("env:")) {
    value = environment[parsed.data.slice(4)];
  } else {
    value = await readFile(parsed.data.slice(5), "utf8").catch(() => undefined);
  }
  if (value === undefined || value.trim() === "") {
    throw new OperationError("key_ref_unresolved", `nothing is stored at ${parsed.data}`, {
      keyRef: parsed.data,
    });
  }
  const key = value.trim();
  if (!PRIVATE_KEY.test(key)) {
    throw new OperationError(
      "key_ref_invalid",
      `${parsed.data} does not hold a 0x-prefixed 32-byte hex private key`,
      {
        keyRef: parsed.data,
      },
    );
  }
  return key as Hex;
}
