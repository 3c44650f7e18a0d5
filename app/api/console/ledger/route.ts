import { apiUser } from "@/lib/auth/session";
import { ledgerApiPage, ledgerTransaction, parseLedgerQuery } from "@/lib/dal/ledger";
import { FilterError, param } from "@/lib/dal/search-params";

export const dynamic = "force-dynamic";

function invalidFilter(error: FilterError): Response {
  return Response.json(
    { error: { code: error.code, message: error.message, field: error.field } },
    { status: 400, headers: { "Cache-Control": "no-store" } },
  );
}

/**
 * `GET /api/console/ledger?agent=&vendor=&status=&from=&to=&min=&max=&q=&cursor=&limit=`: one
 * page of the ledger, newest first, for polling and scripts (viewer and up). Rows carry every
 * field with amounts as strings (`amountMicro`, and `amountUsdc` with 6 decimals); pass
 * `nextCursor` back as `cursor` for the next page. `q=tx_…` answers that one transaction.
 */
export async function GET(request: Request): Promise<Response> {
  const user = await apiUser("viewer");
  if (user instanceof Response) return user;
  const search = new URL(request.url).searchParams;
  const parsed = parseLedgerQuery(search);
  if (!parsed.ok) return invalidFilter(parsed.error);
  const headers = { "Cache-Control": "no-store" };
  if (parsed.query.kind === "transaction") {
    const tx = await ledgerTransaction(parsed.query.id);
    return Response.json({ rows: tx ? [tx] : [], nextCursor: null }, { headers });
  }
  const limitText = param(search, "limit") ?? "50";
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 1 || limit > 500) {
    return invalidFilter(new FilterError("limit", "limit: a whole number from 1 to 500"));
  }
  try {
    const page = await ledgerApiPage(parsed.query.filter, parsed.query.position, limit);
    return Response.json(page, { headers });
  } catch (error) {
    if (error instanceof FilterError) return invalidFilter(error);
    throw error;
  }
}
