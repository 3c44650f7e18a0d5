import { apiRoute } from "@/lib/http/route";
import { cronRoute } from "@/lib/server/jobs";

export const dynamic = "force-dynamic";

/** Vercel Cron: runs the `rollups` job (Authorization: Bearer $CRON_SECRET). */
export const GET = apiRoute(cronRoute("rollups"));
