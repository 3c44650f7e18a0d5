import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { CliFailure, describeError } from "@/lib/cli/context";
import { CLI_EXIT, EXIT } from "@/lib/cli/exit-codes";
import { errorToResponse, HTTP_STATUS } from "@/lib/http/errors";
import {
  ERROR_CODES,
  type ErrorCode,
  InvalidInputError,
  isErrorCode,
  OperationError,
  REFUSAL_CODES,
} from "@/lib/payment-core/support/errors";
import { FilterError } from "@/lib/url/search-params";

/**
 * The error codes are one list, and every code has an HTTP status and a CLI exit code. The
 * Record types make a missing entry a compile error; this checks the same at run time (a table
 * built by spreading or casting would slip past the compiler) and that docs/http-api.md says it.
 */

const root = path.resolve(__dirname, "..");

describe("ERROR_CODES", () => {
  it("has no duplicates, and every code is snake_case", () => {
    const seen = new Set<string>();
    const duplicates = ERROR_CODES.filter((code) => seen.size === seen.add(code).size);
    expect(duplicates).toEqual([]);
    for (const code of ERROR_CODES) expect(code).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
  });

  it("holds every refusal code", () => {
    for (const code of REFUSAL_CODES) expect(isErrorCode(code), code).toBe(true);
    expect(isErrorCode("something_new")).toBe(false);
    expect(isErrorCode(undefined)).toBe(false);
  });

  it("every code has an HTTP status and nothing else does", () => {
    const missing = ERROR_CODES.filter((code) => !Number.isInteger(HTTP_STATUS[code]));
    expect(missing).toEqual([]);
    expect(Object.keys(HTTP_STATUS).filter((code) => !isErrorCode(code))).toEqual([]);
    // One code is an answer, not an error: a payment held for approval is accepted (202) and
    // carries its code so a client can tell it from a paid one.
    const accepted = new Set(["awaiting_approval"]);
    for (const code of ERROR_CODES) {
      expect(HTTP_STATUS[code], code).toBeGreaterThanOrEqual(accepted.has(code) ? 202 : 400);
      expect(HTTP_STATUS[code], code).toBeLessThan(accepted.has(code) ? 203 : 600);
    }
  });

  it("every code has a CLI exit code (1 refused or failed, 2 bad usage) and nothing else does", () => {
    const missing = ERROR_CODES.filter(
      (code) => CLI_EXIT[code] !== EXIT.failed && CLI_EXIT[code] !== EXIT.usage,
    );
    expect(missing).toEqual([]);
    expect(Object.keys(CLI_EXIT).filter((code) => !isErrorCode(code))).toEqual([]);
  });

  it("the CLI exits with the code's exit code unless the command names another", () => {
    expect(describeError(new InvalidInputError("invalid_date", "bad day")).exitCode).toBe(EXIT.usage);
    expect(describeError(new OperationError("rotation_not_found", "no rotation")).exitCode).toBe(EXIT.failed);
    expect(new CliFailure("bad_usage", "give --id").exitCode).toBe(EXIT.usage);
    expect(new CliFailure("unknown_agent", "no agent").exitCode).toBe(EXIT.failed);
    expect(new CliFailure("payer_not_configured", "set it", {}, EXIT.usage).exitCode).toBe(EXIT.usage);
  });
});

describe("errorToResponse", () => {
  it("answers a classified error with its code's status and details", async () => {
    const res = errorToResponse(new OperationError("rotation_not_found", "no rotation 7", { rotationId: 7 }));
    expect(res.status).toBe(404);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(await res.json()).toEqual({
      error: { code: "rotation_not_found", message: "no rotation 7", rotationId: 7 },
    });
    const filter = errorToResponse(new FilterError("limit", "limit: a whole number"));
    expect(filter.status).toBe(400);
    expect(await filter.json()).toEqual({
      error: { code: "invalid_filter", message: "limit: a whole number", field: "limit" },
    });
    expect(errorToResponse(new InvalidInputError("invalid_amount", "bad")).status).toBe(400);
    expect(errorToResponse(new OperationError("payments_disabled", "off")).status).toBe(503);
  });

  it("answers a zod failure 400 invalid_request with its issues", async () => {
    const parsed = z.object({ limit: z.number() }).safeParse({ limit: "x" });
    if (parsed.success) throw new Error("expected a failure");
    const res = errorToResponse(parsed.error);
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toMatchObject({ code: "invalid_request", field: "limit" });
    expect(body.error.message).toMatch(/^limit: /);
  });

  it("answers anything else 500 internal_error without its message, and logs it", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = errorToResponse(new Error("postgres://user:secret@db/x refused"));
    const unlisted = errorToResponse(
      Object.assign(new Error("odd"), { kind: "operation", code: "not_listed" }),
    );
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text).error.code).toBe("internal_error");
    expect(text).not.toContain("secret");
    expect(unlisted.status).toBe(500);
  });
});

describe("docs/http-api.md", () => {
  const doc = readFileSync(path.join(root, "docs/http-api.md"), "utf8");

  it("lists every code with its HTTP status and CLI exit code, and no other", () => {
    const section = doc.slice(doc.indexOf("\n## Error codes"));
    const rows = [...section.matchAll(/^\| `([a-z0-9_]+)` \| (\d{3}) \| (\d) \|$/gm)].map((m) => ({
      code: m[1] ?? "",
      http: Number(m[2]),
      exit: Number(m[3]),
    }));
    const expected = ERROR_CODES.map((code) => ({ code, http: HTTP_STATUS[code], exit: CLI_EXIT[code] }));
    // Listed in ERROR_CODES's order, so a diff names the row.
    expect(rows).toEqual(expected);
  });

  it("the payment API's status table gives each code the status the API answers", () => {
    const start = doc.indexOf("| status | codes |");
    const table = doc.slice(start, doc.indexOf("\n\n", start));
    const wrong: string[] = [];
    for (const [, status, text] of table.matchAll(/^\| (\d{3}) \| (.*) \|$/gm)) {
      for (const [, code] of (text ?? "").matchAll(/`([a-z][a-z0-9_]*)`/g)) {
        if (!code || !isErrorCode(code)) continue; // `status: "completed"`, a variable's name
        if (HTTP_STATUS[code] !== Number(status))
          wrong.push(`${code}: doc ${status}, table ${HTTP_STATUS[code]}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe("docs/cli.md", () => {
  it("each exit code it names for an error code is the code's in CLI_EXIT", () => {
    const doc = readFileSync(path.join(root, "docs/cli.md"), "utf8");
    const said = [
      ...[...doc.matchAll(/`([a-z_]+)`, exit (\d)/g)].map((m) => [m[1], m[2]]),
      ...[...doc.matchAll(/exits? (\d)(?: with code|,| \()\s*`([a-z_]+)`/g)].map((m) => [m[2], m[1]]),
    ];
    expect(said.length).toBeGreaterThan(5);
    const wrong = said
      .filter(([code]) => isErrorCode(code))
      .filter(([code, exit]) => CLI_EXIT[code as ErrorCode] !== Number(exit))
      .map(([code, exit]) => `${code}: doc exit ${exit}, CLI_EXIT ${CLI_EXIT[code as ErrorCode]}`);
    expect(wrong).toEqual([]);
  });
});
