import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase, truncate } from "@/lib/testing/db";
import { CSV_COLUMNS, CSV_HEADER, csvField, csvText, exportCsv } from "./csv";
import { listLedgerAgentIds, listLedgerVendors } from "./facets";
import { SEED_FIELDS } from "./jsonl";
import { insertHistoricalRows } from "./write";

/** A strict RFC 4180 reader, to check what a spreadsheet would read back. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error("unterminated quoted field");
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i];
        i++;
      }
    }
    const ch = text[i];
    if (ch === ",") {
      record.push(field);
      field = "";
      i++;
    } else if (ch === "\r" && text[i + 1] === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      i += 2;
    } else if (ch === undefined) {
      break;
    } else if (ch === '"' || ch === "\r" || ch === "\n") {
      throw new Error(`bare ${JSON.stringify(ch)} at ${i}`);
    } else {
      field += ch;
      i++;
    }
  }
  if (field !== "" || record.length > 0) throw new Error("last record does not end in CRLF");
  return records;
}

describe("CSV fields", () => {
  it("quotes only when a field holds a comma, quote or line break, and doubles quotes", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField(null)).toBe("");
    expect(csvField(42)).toBe("42");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\rhere")).toBe('"cr\rhere"');
    expect(csvField("")).toBe("");
  });

  it("defuses text a spreadsheet would run as a formula", () => {
    expect(csvText('=HYPERLINK("http://evil")')).toBe('\'=HYPERLINK("http://evil")');
    expect(csvText("+1")).toBe("'+1");
    expect(csvText("-2")).toBe("'-2");
    expect(csvText("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvText("\tx")).toBe("'\tx");
    expect(csvText("search-api")).toBe("search-api");
    expect(csvText(null)).toBeNull();
  });
});

describe("CSV columns", () => {
  it("name the fields the JSONL file has as the JSONL file does, first and in its order", () => {
    expect(CSV_HEADER).toBe(
      "transaction_id,timestamp,agent_id,vendor,price_usdc,status,blockchain_tx_hash,error_code,error_message," +
        "updated_at,completed_at,asset,network,payer,payee,nonce,valid_after,valid_before,latency_ms," +
        "retry_count,idempotency_key,resource_url,method,metadata,receipt_status,receipt_reason,receipt_signer," +
        "charged_usdc\r\n",
    );
    // The guide's `error` is the message (or the code when there is none): two columns here.
    const shared = SEED_FIELDS.filter((f) => f !== "error");
    expect(CSV_COLUMNS.slice(0, shared.length)).toEqual(shared);
    for (const former of ["amount_usdc", "tx_hash", "created_at"]) {
      expect(CSV_COLUMNS as readonly string[]).not.toContain(former);
    }
  });
});

describe("exportCsv against the ledger", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t.drop());
  beforeEach(async () => {
    await truncate(t.db, "transactions, budget_usage, audit_log");
  });

  async function csv(filter: Parameters<typeof exportCsv>[1] = {}): Promise<string> {
    let out = "";
    for await (const chunk of exportCsv(t.db, filter)) out += chunk;
    return out;
  }

  it("writes a header, 6-decimal amounts, UTC microsecond times, and escapes hostile text", async () => {
    await insertHistoricalRows(t.db, [
      {
        id: "tx_a",
        createdAt: "2026-11-26T10:00:00.123456+02:00",
        agentId: "builder_agent",
        vendor: 'acme, "the" vendor',
        amountMicro: 10_000n,
        status: "completed",
        txHash: `0x${"ab".repeat(32)}`,
        latencyMs: 41,
        retryCount: 2,
        resourceUrl: "https://acme.test/search?q=a,b",
        method: "GET",
        metadata: { note: "line one\nline two" },
      },
      {
        id: "tx_b",
        createdAt: "2026-11-26T09:00:00Z",
        agentId: "research_agent",
        vendor: "=cmd|'/c calc'!A1",
        amountMicro: 123_456_789n,
        status: "failed",
        errorCode: "vendor_error",
        errorMessage: 'vendor said:\r\n"no"',
        // The import's copy of the source line is the row again: left out of the CSV.
        metadata: { imported: { line: "{...}" }, extra: { region: "eu" } },
      },
    ]);
    const text = await csv();
    expect(text.startsWith(CSV_HEADER)).toBe(true);
    const [header, first, second, ...rest] = parseCsv(text);
    expect(rest).toEqual([]);
    expect(header).toEqual([...CSV_COLUMNS]);
    const col = (row: string[] | undefined, name: (typeof CSV_COLUMNS)[number]) =>
      row?.[CSV_COLUMNS.indexOf(name)];

    // Oldest first: tx_a (10:00+02:00 = 08:00Z) before tx_b (09:00Z).
    expect(col(first, "transaction_id")).toBe("tx_a");
    expect(col(first, "timestamp")).toBe("2026-11-26T08:00:00.123456Z");
    expect(col(first, "completed_at")).toBe("2026-11-26T08:00:00.123456Z");
    expect(col(first, "vendor")).toBe('acme, "the" vendor');
    expect(col(first, "price_usdc")).toBe("0.010000");
    expect(col(first, "charged_usdc")).toBe("0.010000");
    expect(col(first, "blockchain_tx_hash")).toBe(`0x${"ab".repeat(32)}`);
    expect(col(first, "latency_ms")).toBe("41");
    expect(col(first, "retry_count")).toBe("2");
    expect(col(first, "resource_url")).toBe("https://acme.test/search?q=a,b");
    expect(JSON.parse(col(first, "metadata") ?? "")).toEqual({ note: "line one\nline two" });

    expect(col(second, "transaction_id")).toBe("tx_b");
    expect(col(second, "vendor")).toBe("'=cmd|'/c calc'!A1");
    expect(col(second, "price_usdc")).toBe("123.456789");
    // Asked, not charged: price_usdc stays what it asked (a stable machine field), charged says 0.
    expect(col(second, "charged_usdc")).toBe("0.000000");
    expect(col(second, "status")).toBe("failed");
    expect(col(second, "error_code")).toBe("vendor_error");
    expect(col(second, "error_message")).toBe('vendor said:\r\n"no"');
    expect(col(second, "completed_at")).toBe("");
    expect(col(second, "metadata")).toBe('{"extra":{"region":"eu"}}');
  });

  it("exports exactly the filter, and only a header for an empty result", async () => {
    await insertHistoricalRows(
      t.db,
      Array.from({ length: 30 }, (_, i) => ({
        id: `tx_${String(i).padStart(3, "0")}`,
        createdAt: `2026-11-${String(20 + (i % 3)).padStart(2, "0")}T12:00:${String(i).padStart(2, "0")}Z`,
        agentId: i % 2 === 0 ? "builder_agent" : "research_agent",
        vendor: "search-api",
        amountMicro: BigInt(i) * 1_000_000n,
        status: i % 5 === 0 ? ("failed" as const) : ("completed" as const),
      })),
    );
    const rows = parseCsv(
      await csv({
        agentId: "builder_agent",
        status: "completed",
        minAmountMicro: 10_000_000n,
        from: "2026-11-21",
      }),
    ).slice(1);
    const expected = Array.from({ length: 30 }, (_, i) => i)
      .filter((i) => i % 2 === 0 && i % 5 !== 0 && i >= 10 && 20 + (i % 3) >= 21)
      .map((i) => `tx_${String(i).padStart(3, "0")}`)
      .sort();
    expect(rows.map((r) => r[0]).sort()).toEqual(expected);
    expect(expected.length).toBeGreaterThan(0);
    expect(await csv({ agentId: "nobody" })).toBe(CSV_HEADER);
  });

  it("lists the ledger's distinct agents and vendors", async () => {
    await insertHistoricalRows(t.db, [
      {
        id: "tx_1",
        createdAt: "2026-11-26T00:00:00Z",
        agentId: "b_agent",
        vendor: "v2",
        amountMicro: 1n,
        status: "completed",
      },
      {
        id: "tx_2",
        createdAt: "2026-11-26T00:00:01Z",
        agentId: "a_agent",
        vendor: "v1",
        amountMicro: 1n,
        status: "completed",
      },
      {
        id: "tx_3",
        createdAt: "2026-11-26T00:00:02Z",
        agentId: "b_agent",
        vendor: "",
        amountMicro: 1n,
        status: "rejected",
      },
      {
        id: "tx_4",
        createdAt: "2026-11-26T00:00:03Z",
        agentId: "ghost",
        vendor: "v2",
        amountMicro: 1n,
        status: "rejected",
      },
    ]);
    expect(await listLedgerAgentIds(t.db)).toEqual(["a_agent", "b_agent", "ghost"]);
    expect(await listLedgerVendors(t.db)).toEqual(["v1", "v2"]);
  });
});
