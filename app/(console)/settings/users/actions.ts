"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { action } from "@/lib/actions/action";
import { addUser, ROLES, setUserDisabled, setUserRole } from "@/lib/payment-core/access/users";

/** An empty optional input (a form sends "") is not given. */
const blankIsUnset = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

/** Admins add console users; without a password one is generated and returned once, never stored in clear. */
export const addUserAction = action({
  operation: "users.manage",
  input: z.object({
    email: z.email("enter an address like name@example.com").max(320, "keep it to at most 320 characters"),
    role: z.enum(ROLES, { message: `choose one of ${ROLES.join(", ")}` }),
    name: z.preprocess(
      blankIsUnset,
      z.string().trim().max(200, "keep it to at most 200 characters").optional(),
    ),
    password: z.preprocess(
      blankIsUnset,
      z
        .string()
        .min(12, "use at least 12 characters, or leave it empty to generate one")
        .max(200, "keep it to at most 200 characters")
        .optional(),
    ),
  }),
  handler: async (input, { user, db }) => {
    const result = await addUser(db, { ...input, actor: user.email });
    revalidatePath("/settings/users");
    return {
      id: result.user.id,
      email: result.user.email,
      generatedPassword: result.generated ? result.password : null,
    };
  },
});

export const changeUserRole = action({
  operation: "users.manage",
  input: z.object({
    userId: z.uuid("not a user id"),
    role: z.enum(ROLES, { message: `one of ${ROLES.join(", ")}` }),
  }),
  handler: async ({ userId, role }, { user, db }) => {
    const result = await setUserRole(db, { userId, role, actor: user.email });
    revalidatePath("/settings/users");
    return { role: result.user.role, changed: result.changed };
  },
});

export const setUserDisabledAction = action({
  operation: "users.manage",
  input: z.object({
    userId: z.uuid("not a user id"),
    disabled: z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]),
  }),
  handler: async ({ userId, disabled }, { user, db }) => {
    const result = await setUserDisabled(db, { userId, disabled, actor: user.email });
    revalidatePath("/settings/users");
    return { disabled: result.user.disabled, changed: result.changed };
  },
});
