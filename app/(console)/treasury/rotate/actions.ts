"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { action } from "@/lib/actions/action";
import {
  proveRotation,
  registerInput,
  registerRotation,
  signatureInput,
  signProof,
} from "@/lib/payment-core/treasury/rotation";
import { approveRotation } from "@/lib/payment-core/treasury/rotation-approval";
import {
  cancelRotation,
  completeRotation,
  sweepRotation,
  testPayment,
} from "@/lib/payment-core/treasury/rotation-money";
import { appRotationDeps } from "@/lib/server/treasury";
import { toWire } from "@/lib/wire";

/**
 * The payer-key rotation's steps, one server action each, through the same domain functions as
 * `x402 treasury rotate`. Rotating the key that pays for everything is an admin's job; each step
 * checks the rotation's state itself, so a forged or repeated call changes nothing it should not.
 */

const PAGE = "/treasury/rotate";
const rotationId = z.object({ rotationId: z.string().trim().min(1).max(64) });

function done<T>(row: T) {
  revalidatePath(PAGE);
  return toWire(row);
}

export const registerRotationAction = action({
  operation: "treasury.rotation",
  input: registerInput,
  handler: async (input, { user, db }) =>
    done(await registerRotation(appRotationDeps(db), { ...input, actor: user.email })),
});

/** Step 2 from the console: the server signs the proof with the key the reference names, as the CLI does. */
export const proveRotationAction = action({
  operation: "treasury.rotation",
  input: rotationId,
  handler: async ({ rotationId: id }, { user, db }) => {
    const deps = appRotationDeps(db);
    const signature = await signProof(deps, id);
    return done(await proveRotation(deps, { rotationId: id, signature, actor: user.email }));
  },
});

/** Step 3: the owner's signature, made in the connected wallet (or pasted from one signed elsewhere). */
export const approveRotationAction = action({
  operation: "treasury.rotation",
  // Pasted into a textarea: a trailing line break is trimmed by the schema.
  multiline: ["signature"],
  input: rotationId.extend(signatureInput.shape),
  handler: async (input, { user, db }) =>
    done(await approveRotation(appRotationDeps(db), { ...input, actor: user.email })),
});

export const testPaymentAction = action({
  operation: "treasury.rotation",
  input: rotationId.extend({
    agentId: z.string().trim().min(1, "choose the agent the test payment is charged to").max(128),
    url: z.string().trim().url("enter the vendor URL to buy from").max(4096),
  }),
  handler: async (input, { user, db }) =>
    done(await testPayment(appRotationDeps(db), { ...input, actor: user.email })),
});

export const sweepRotationAction = action({
  operation: "treasury.rotation",
  input: rotationId,
  handler: async (input, { user, db }) =>
    done(await sweepRotation(appRotationDeps(db), { ...input, actor: user.email })),
});

export const completeRotationAction = action({
  operation: "treasury.rotation",
  input: rotationId,
  handler: async (input, { user, db }) =>
    done(await completeRotation(appRotationDeps(db), { ...input, actor: user.email })),
});

export const cancelRotationAction = action({
  operation: "treasury.rotation",
  input: rotationId,
  handler: async (input, { user, db }) =>
    done(await cancelRotation(appRotationDeps(db), { ...input, actor: user.email })),
});
