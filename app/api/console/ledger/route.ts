import { apiUser } from "@/lib/auth/session";
import { getLedgerApiPage, getLedgerTransaction, parseLedgerQuery } from "@/lib/dal/ledger";
import { apiRoute } from "@/lib/http/route";
import { FilterError, param } from "@/lib/url/search-params";

export const dynamic = "force-dynamic";

/**
 * A bad parameter is thrown as a FilterError: apiRoute answers it 400 `invalid_filter` naming the
 * parameter, `{ error: { code, message, field } }`, as any `invalid_filter` a read throws.
 *
 * `GET /api/console/ledger?agent=&vendor=&status=&from=&to=&min=&max=&q=&sort=&cursor=&before=&limit=`:
 * one page of the ledger, newest first (or in `sort`: time, agent, vendor, status or amount, each
 * `_asc` or `_desc`), for polling and scripts (viewer and up). Rows carry every field with amounts
 * as strings (`amountMicro`, and `amountUsdc` with 6 decimals); pass `nextCursor` back as `cursor`
 * for the next page, `previousCursor` as `before` for the one before. `q=tx_…` answers that one
 * transaction.
 */
async function get(request: Request): Promise<Response> {
  const user = await apiUser("viewer");
  if (user instanceof Response) return user;
  const search = new URL(request.url).searchParams;
  const parsed = parseLedgerQuery(search);
  if (!parsed.ok) throw parsed.error;
  const headers = { "Cache-Control": "no-store" };
  if (parsed.query.kind === "transaction") {
    const tx = await getLedgerTransaction(parsed.query.id);
    return Response.json({ rows: tx ? [tx] : [], nextCursor: null, previousCursor: null }, { headers });
  }
  const limitText = param(search, "limit") ?? "50";
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 1 || limit > 500) {
    throw new FilterError("limit", "limit: a whole number from 1 to 500");
  }
  const page = await getLedgerApiPage(parsed.query.filter, parsed.query.position, limit, parsed.query.sort);
  return Response.json(page, { headers });
}

export const GET = apiRoute(get);
