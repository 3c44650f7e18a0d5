import { apiRoute } from "@/lib/http/route";
import { cronRoute } from "@/lib/jobs/app";

export const dynamic = "force-dynamic";

/** Vercel Cron: runs the `reconcile` job (Authorization: Bearer $CRON_SECRET). */
export const GET = apiRoute(cronRoute("reconcile"));
