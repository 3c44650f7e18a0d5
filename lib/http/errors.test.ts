import { describe, expect, it } from "vitest";
import { z } from "zod";
import { classifyError } from "@/lib/payment-core/support/errors";
import { MoneyParseError } from "@/lib/payment-core/support/money";
import { InvalidDateError } from "@/lib/payment-core/support/time";
import { FilterError } from "@/lib/url/search-params";
import { errorResponse, httpStatus, zodIssues } from "./errors";

describe("errorResponse", () => {
  it("answers { error: { code, message, ...details } } with the code's status, never cached", async () => {
    const res = errorResponse("invalid_filter", "limit: a whole number", { field: "limit" });
    expect(res.status).toBe(400);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(await res.json()).toEqual({
      error: { code: "invalid_filter", message: "limit: a whole number", field: "limit" },
    });
  });

  it("takes the status a route names for a code that means something else there", () => {
    expect(errorResponse("unknown_agent", "no agent named x", {}, 404).status).toBe(404);
    expect(httpStatus("unknown_agent")).toBe(403);
  });

  it("maps the switch and the auth codes", () => {
    expect(httpStatus("payments_disabled")).toBe(503);
    expect(httpStatus("daily_limit_exceeded")).toBe(403);
    expect(httpStatus("unauthorized")).toBe(401);
    expect(httpStatus("rate_limited")).toBe(429);
  });
});

describe("zodIssues", () => {
  it("reports the first issue as path: message, and every issue", () => {
    const parsed = z.object({ url: z.string(), n: z.number() }).safeParse({ url: 1, n: "x" });
    if (parsed.success) throw new Error("expected a failure");
    const { message, issues } = zodIssues(parsed.error, "body");
    expect(message).toMatch(/^url: /);
    expect(issues.map((i) => i.path)).toEqual(["url", "n"]);
  });

  it("names the whole value by its label", () => {
    const parsed = z.string().safeParse(1);
    if (parsed.success) throw new Error("expected a failure");
    expect(zodIssues(parsed.error, "input").message).toMatch(/^input: /);
  });
});

describe("input errors are one family", () => {
  it("amounts, dates and filters classify as invalid_input with their own code and figures", () => {
    expect(classifyError(new MoneyParseError("1.2.3", "not a number"))).toMatchObject({
      kind: "invalid_input",
      code: "invalid_amount",
      details: { input: "1.2.3" },
    });
    expect(classifyError(new InvalidDateError("2026-02-30", "no such calendar day"))).toMatchObject({
      kind: "invalid_input",
      code: "invalid_date",
      details: { input: "2026-02-30" },
    });
    expect(classifyError(new FilterError("cursor", "bad cursor"))).toMatchObject({
      kind: "invalid_input",
      code: "invalid_filter",
      details: { field: "cursor" },
    });
  });
});
