import { describe, expect, it } from "vitest";
import { ledgerExportFilename, ledgerExportHref, ledgerHref, parseLedgerQuery } from "./ledger";

const HASH = `0x${"a1".repeat(32)}`;

function list(raw: Record<string, string | string[] | undefined> | URLSearchParams) {
  const parsed = parseLedgerQuery(raw);
  if (!parsed.ok) throw new Error(`expected a valid query, got ${parsed.error.message}`);
  if (parsed.query.kind !== "list") throw new Error("expected a list query");
  return parsed.query;
}

function refused(raw: Record<string, string> | URLSearchParams) {
  const parsed = parseLedgerQuery(raw);
  if (parsed.ok) throw new Error("expected invalid_filter");
  return parsed.error;
}

describe("ledger filter parsing", () => {
  it("turns every filter into the ledger query, with UTC days both inclusive", () => {
    const query = list({
      agent: "builder_agent",
      vendor: "search-api",
      status: "failed",
      from: "2026-11-01",
      to: "2026-11-26",
      min: "0.5",
      max: "10",
      q: HASH,
    });
    expect(query.filter).toEqual({
      agentId: "builder_agent",
      vendor: "search-api",
      status: "failed",
      from: "2026-11-01T00:00:00.000Z",
      // The whole of the 26th is in: the half-open range ends at the 27th's midnight UTC.
      to: "2026-11-27T00:00:00.000Z",
      minAmountMicro: 500_000n,
      maxAmountMicro: 10_000_000n,
      txHash: HASH,
    });
  });

  it("treats empty and blank values as unset, as an empty GET form sends them", () => {
    const query = list(new URLSearchParams("agent=&vendor=+&status=&from=&to=&min=&max=&q="));
    expect(query.filter).toEqual({});
    expect(query.params).toEqual({});
    expect(query.position).toEqual({});
    expect(query.size).toBe(50);
  });

  it("takes the first of repeated parameters and trims values", () => {
    expect(list({ agent: [" research_agent ", "other"] }).filter).toEqual({ agentId: "research_agent" });
  });

  it("parses amounts exactly, never through a float", () => {
    expect(list({ min: "0.000001", max: "9007199254740993.000001" }).filter).toEqual({
      minAmountMicro: 1n,
      maxAmountMicro: 9_007_199_254_740_993_000_001n,
    });
  });

  it.each([
    [{ min: "abc" }, "min", "Min amount (USDC)"],
    [{ max: "-1" }, "max", "Max amount (USDC)"],
    [{ min: "1e3" }, "min", "exponent"],
    [{ min: "0.0000001" }, "min", "more than 6 decimal places"],
    [{ min: "1,5" }, "min", "Min amount (USDC)"],
    [{ min: "5", max: "1" }, "max", "must be at least"],
    [{ from: "2026-02-30" }, "from", "From (UTC)"],
    [{ to: "26/11/2026" }, "to", "To (UTC)"],
    [{ from: "2026-11-27", to: "2026-11-26" }, "to", "on or after"],
    [{ status: "settled" }, "status", "Status"],
    [{ q: "hello" }, "q", "Search"],
    [{ q: "0x1234" }, "q", "Search"],
    [{ agent: "a".repeat(201) }, "agent", "Agent"],
    [{ cursor: "not a cursor!" }, "cursor", "cursor"],
    [{ before: "not a cursor!" }, "before", "cursor"],
  ])("refuses %j naming the field", (raw, field, message) => {
    const error = refused(raw as Record<string, string>);
    expect(error.code).toBe("invalid_filter");
    expect(error.field).toBe(field);
    expect(error.message).toContain(message);
  });

  it("keeps what was typed so the page can show it back with the error", () => {
    const parsed = parseLedgerQuery({ agent: "builder_agent", min: "abc" });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.params).toEqual({ agent: "builder_agent", min: "abc" });
  });

  it("a transaction id in the search box opens that transaction; a hash filters", () => {
    expect(parseLedgerQuery({ q: " tx_5f0c9a ", agent: "x" })).toEqual({
      ok: true,
      query: { kind: "transaction", id: "tx_5f0c9a" },
    });
    // Imported ids are free text: taken as typed.
    expect(parseLedgerQuery({ q: "tx_odd id%41/é" })).toEqual({
      ok: true,
      query: { kind: "transaction", id: "tx_odd id%41/é" },
    });
    const upper = `0x${"A1".repeat(32)}`;
    expect(list({ q: upper }).filter.txHash).toBe(upper);
  });
});

describe("ledger sort and export names", () => {
  it("reads the sort (newest first by default), carries it on links and refuses an unknown one", () => {
    expect(list({}).sort).toBe("time_desc");
    const query = list({ agent: "a", sort: "amount_asc" });
    expect(query.sort).toBe("amount_asc");
    expect(ledgerExportHref(query.params, "csv")).toBe(
      "/api/console/ledger/export?format=csv&agent=a&sort=amount_asc",
    );
    expect(refused({ sort: "price" })).toMatchObject({ field: "sort" });
  });

  it("names the download after its filter", () => {
    expect(
      ledgerExportFilename(
        { agent: "builder_agent", status: "failed", from: "2026-11-01", to: "2026-11-30" },
        "csv",
      ),
    ).toBe("ledger-builder_agent-failed-2026-11-01_2026-11-30.csv");
    expect(ledgerExportFilename({}, "jsonl")).toBe("ledger-all.jsonl");
    expect(ledgerExportFilename({ from: "2026-11-01", vendor: "a b/c" }, "csv")).toBe(
      "ledger-a_b_c-from-2026-11-01.csv",
    );
    expect(ledgerExportFilename({ sort: "time_desc" }, "csv")).toBe("ledger-all.csv");
    expect(ledgerExportFilename({ min: "1.5", sort: "amount_desc" }, "csv")).toBe(
      "ledger-min-1.5-by-amount_desc.csv",
    );
  });
});

describe("ledger links", () => {
  it("export links carry exactly the filters, never the page position", () => {
    const query = list({ agent: "builder_agent", min: "1.5", cursor: "abc", trail: "def" });
    expect(ledgerExportHref(query.params, "csv")).toBe(
      "/api/console/ledger/export?format=csv&agent=builder_agent&min=1.5",
    );
    expect(ledgerExportHref({}, "jsonl")).toBe("/api/console/ledger/export?format=jsonl");
  });

  it("a page is after a cursor or before one (keyset both ways), never both", () => {
    expect(list({ status: "completed", cursor: "c1" }).position).toEqual({ cursor: "c1" });
    expect(list({ status: "completed", before: "c1" }).position).toEqual({ before: "c1" });
    expect(refused({ cursor: "c1", before: "c2" })).toMatchObject({
      code: "invalid_filter",
      field: "before",
    });
    expect(refused({ before: "not a cursor!" })).toMatchObject({ code: "invalid_filter", field: "before" });
    expect(ledgerHref({ status: "completed", size: "25" }, { before: "c2" })).toBe(
      "/ledger?status=completed&size=25&before=c2",
    );
    // An old link's `trail` is ignored.
    expect(list({ cursor: "c2", trail: "c1" }).position).toEqual({ cursor: "c2" });
  });

  it("offers 25, 50 or 100 rows a page, 50 unless asked, and refuses any other size", () => {
    expect(list({ size: "25" }).size).toBe(25);
    expect(list({ size: "100" }).size).toBe(100);
    expect(list({}).size).toBe(50);
    for (const size of ["0", "-5", "101", "1e2", "25.0", "all"]) {
      expect(refused({ size })).toMatchObject({ code: "invalid_filter", field: "size" });
    }
    // The page size narrows nothing and is not part of an export.
    expect(ledgerExportHref({ agent: "a", size: "25" }, "csv")).toBe(
      "/api/console/ledger/export?format=csv&agent=a",
    );
  });

  it("sorts by time, agent, vendor, status or amount, either way; nothing else", () => {
    for (const key of ["time", "agent", "vendor", "status", "amount"]) {
      for (const dir of ["asc", "desc"]) expect(list({ sort: `${key}_${dir}` }).sort).toBe(`${key}_${dir}`);
    }
    expect(refused({ sort: "id_asc" })).toMatchObject({ code: "invalid_filter", field: "sort" });
  });
});

// Issue 25: `agent=%00` reached the query and answered 500. Every parameter now refuses a NUL,
// another control character or a lone surrogate as 400 invalid_filter naming it, before any query.
describe("ledger filters: control characters and lone surrogates", () => {
  const HOSTILE = [
    ["NUL", "\u0000"],
    ["U+0001", "\u0001"],
    ["DEL", "\u007f"],
    ["lone high surrogate", "\ud800"],
    ["lone low surrogate", "\udc00"],
  ] as const;
  // Each parameter with a valid value the hostile character is put into.
  const PARAMS = {
    agent: "research_agent",
    vendor: "search-api",
    status: "failed",
    from: "2026-11-01",
    to: "2026-11-26",
    min: "0.5",
    max: "10",
    q: "tx_5f0c9a",
    sort: "amount_asc",
    size: "25",
  } as const;

  for (const [param, valid] of Object.entries(PARAMS)) {
    for (const [name, s] of HOSTILE) {
      it(`refuses a ${name} in ${param} as invalid_filter naming ${param}`, () => {
        const error = refused({ [param]: `${valid}${s}` });
        expect(error).toMatchObject({ code: "invalid_filter", field: param });
      });
    }
  }

  it("refuses them as the routes read them, from the request's URL", () => {
    for (const query of ["agent=%00", "vendor=%00", "agent=a%01b", "vendor=v%7F", "q=tx_%00"]) {
      const search = new URL(`http://console/api/console/ledger/export?format=csv&${query}`).searchParams;
      const error = refused(search);
      expect(error).toMatchObject({ code: "invalid_filter", field: query.split("=")[0] });
    }
    // Bytes that are not UTF-8 arrive decoded as U+FFFD (as `next start` hands them to the route).
    for (const query of ["agent=%FF", "vendor=a%E0%A4%A", "q=%C3"]) {
      const search = new URL(`http://console/api/console/ledger?${query}`).searchParams;
      expect(refused(search)).toMatchObject({ code: "invalid_filter", field: query.split("=")[0] });
    }
    expect(refused({ agent: "ab\u0000c" }).message).toBe(
      "Agent: must not contain a control character (U+0000 at position 2)",
    );
    expect(refused({ q: "tx_\ud800" }).message).toBe(
      "Search: must not contain a lone surrogate (U+D800 at position 3)",
    );
  });

  it("accepts an emoji in the free-text filters and in an imported transaction id", () => {
    expect(list({ agent: "agent_\u{1F600}", vendor: "shop \u{1F6D2}" }).filter).toEqual({
      agentId: "agent_\u{1F600}",
      vendor: "shop \u{1F6D2}",
    });
    expect(parseLedgerQuery(new URL("http://console/ledger?q=tx_%F0%9F%98%80").searchParams)).toEqual({
      ok: true,
      query: { kind: "transaction", id: "tx_\u{1F600}" },
    });
  });
});
