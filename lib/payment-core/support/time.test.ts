import { describe, expect, it } from "vitest";
import { parseIsoTimestamp, parseUtcDay, utcDay, utcMonthStart } from "./time";

describe("UTC windows", () => {
  it("a day ends at 23:59:59.999 UTC", () => {
    expect(utcDay(new Date("2026-03-10T23:59:59.999Z"))).toBe("2026-03-10");
    expect(utcDay(new Date("2026-03-11T00:00:00.000Z"))).toBe("2026-03-11");
    // Local offsets do not matter: 20:00 in New York on the 10th is the 11th in UTC.
    expect(utcDay(new Date("2026-03-10T20:00:00-05:00"))).toBe("2026-03-11");
  });

  it("months and years roll over; 29 February exists in leap years only", () => {
    expect(utcMonthStart(new Date("2028-02-29T23:59:59.999Z"))).toBe("2028-02-01");
    expect(utcMonthStart(new Date("2028-03-01T00:00:00.000Z"))).toBe("2028-03-01");
    expect(utcMonthStart(new Date("2028-12-31T23:59:59.999Z"))).toBe("2028-12-01");
    expect(utcMonthStart(new Date("2029-01-01T00:00:00.000Z"))).toBe("2029-01-01");
    expect(parseUtcDay("2028-02-29").end.toISOString()).toBe("2028-03-01T00:00:00.000Z");
    expect(() => parseUtcDay("2027-02-29")).toThrow("no such calendar day");
    expect(() => parseUtcDay("2027-2-1")).toThrow("expected YYYY-MM-DD");
  });

  it("reads timestamps as Python writes them", () => {
    expect(parseIsoTimestamp("2025-11-16T10:00:00").pg).toBe("2025-11-16T10:00:00Z");
    expect(parseIsoTimestamp("2025-11-16 10:00:00.123456").pg).toBe("2025-11-16T10:00:00.123456Z");
    expect(parseIsoTimestamp("2025-11-16T10:00:00+02:00").date.toISOString()).toBe(
      "2025-11-16T08:00:00.000Z",
    );
    expect(parseIsoTimestamp("2025-11-16T10:00:00Z").date.toISOString()).toBe("2025-11-16T10:00:00.000Z");
    expect(() => parseIsoTimestamp("2025-11-16")).toThrow("ISO 8601");
    expect(() => parseIsoTimestamp("2025-11-16T25:00:00")).toThrow("out of range");
  });
});
