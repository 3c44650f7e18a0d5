"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { vendorHref } from "@/components/vendors/href";
import { action } from "@/lib/actions/action";
import { acceptVendorPayTo } from "@/lib/payment-core/vendors/accept";

/**
 * An operator accepts a vendor's payTo (the vendor catalog's pin): from the next payment the payer
 * pays the vendor there and only there; the vendor's open `vendor_payto_changed` alerts resolve.
 * Audited as `vendor.payto_accepted` (lib/payment-core/vendors/accept.ts).
 */
export const acceptPayToAction = action({
  operation: "vendors.accept_payto",
  input: z.object({
    host: z.string().trim().min(1, "which vendor?").max(260),
    payTo: z
      .string()
      .trim()
      .min(1, "enter the 0x address to accept")
      .max(100, "a 0x address is 42 characters"),
    reason: z.string().trim().max(500, "keep it to at most 500 characters").optional(),
  }),
  handler: async (input, { user, db }) => {
    const accepted = await acceptVendorPayTo(db, {
      host: input.host,
      payTo: input.payTo,
      actor: user.email,
      reason: input.reason || null,
    });
    revalidatePath("/vendors");
    revalidatePath(vendorHref(accepted.host));
    revalidatePath("/alerts");
    return accepted;
  },
});
