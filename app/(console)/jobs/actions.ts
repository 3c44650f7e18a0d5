"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { action } from "@/lib/actions/action";
import { JOB_NAMES } from "@/lib/payment-core/jobs";
import { runJobNow } from "@/lib/server/jobs";

/**
 * Runs a scheduled job now, through the runner: if the schedule (or another operator) is running
 * it, this run is skipped and says so. Reconciliation, audit and settlement runs write their
 * reports and audit rows as the user; every console run is audited (`job.run`).
 */
export const runJobAction = action({
  operation: "jobs.run",
  input: z.object({ job: z.enum(JOB_NAMES) }),
  handler: async ({ job }, { user }) => {
    const result = await runJobNow(job, user.email);
    revalidatePath("/jobs");
    return result;
  },
});
