import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from "@x402/core/http";
import type { SettleResponse } from "@x402/core/types";
import { type Dispatcher, type RequestInit, type Response, fetch as undiciFetch } from "undici";
import { InvalidInputError } from "../support/errors";
import type { Micro } from "../support/money";
import { destinationRefusal } from "./destination";
import type { PayFailureCode, PayRequest, VendorResponse } from "./outcome";

/** Talking to a vendor: what may be sent, how it is retried, and how much of the answer is read. */

export const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]);

/** The body that is actually sent: none for GET and HEAD. */
const sentBody = (method: string, body: string | undefined) =>
  method === "GET" || method === "HEAD" ? "" : (body ?? "");
export const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;

class RetriesExhausted extends Error {}

/** A response body that could not be read within the caps: too large, or cut off. */
export class ResponseBodyError extends Error {
  constructor(
    readonly code: "vendor_response_too_large" | "network_error",
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The part of a web stream it uses: undici's and the DOM's ReadableStream types both fit. */
interface ByteStream {
  getReader(): {
    read(): Promise<{ done: boolean; value?: Uint8Array }>;
    cancel(): Promise<void>;
  };
}

/**
 * A body read as it streams, or null the moment it passes `limit` bytes (the stream is cancelled,
 * the rest never read): memory stays bounded whatever the other side sends. A read error cancels
 * the stream and is thrown.
 */
export async function readCapped(stream: ByteStream | null, limit: number): Promise<Buffer | null> {
  if (!stream) return Buffer.alloc(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || !value) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel().catch(() => undefined);
        return null;
      }
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  }
  return Buffer.concat(chunks, total);
}

/** Drops a body without reading it. */
export const discard = (response: Response) => response.body?.cancel().catch(() => undefined);

/**
 * Reads at most `maxBytes` of the body, as it streams: a vendor answering 300 MB costs at most
 * `maxBytes` of memory, and the stream is cancelled the moment it passes the cap. The time limit
 * is the request's own signal (the vendor timeout), which also aborts a body that trickles.
 */
export async function readResponse(response: Response, maxBytes: number): Promise<VendorResponse> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    if (key !== "set-cookie") headers[key] = value;
  });
  const declared = Number(response.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > maxBytes) {
    await discard(response);
    throw new ResponseBodyError(
      "vendor_response_too_large",
      `the vendor's response declares ${declared} bytes, above the ${maxBytes}-byte limit (X402_MAX_RESPONSE_BYTES)`,
      response.status,
    );
  }
  let bytes: Buffer | null;
  try {
    bytes = await readCapped(response.body, maxBytes);
  } catch (error) {
    throw new ResponseBodyError(
      "network_error",
      `the vendor's response could not be read: ${(error as Error).message}`,
      response.status,
    );
  }
  if (bytes === null) {
    throw new ResponseBodyError(
      "vendor_response_too_large",
      `the vendor's response is larger than the ${maxBytes}-byte limit (X402_MAX_RESPONSE_BYTES); it was not read further`,
      response.status,
    );
  }
  // Bytes that are not UTF-8 (an image, a PDF) travel as base64, said so, never as U+FFFD.
  if (!isUtf8(bytes))
    return { status: response.status, headers, body: bytes.toString("base64"), encoding: "base64" };
  const text = bytes.toString("utf8");
  let body: unknown = text;
  if ((headers["content-type"] ?? "").includes("json")) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: response.status, headers, body };
}

/**
 * Sends one request to a vendor: redirects never followed, every connection through the
 * destination-checking dispatcher, a time limit per attempt, and `retryable` answers or network
 * errors retried with exponential backoff and jitter. A refused destination is never retried.
 */
export function createSender(options: {
  fetch?: typeof undiciFetch;
  dispatcher: Dispatcher;
  timeoutMs: number;
  maxRetries: number;
  /** First backoff step; doubles each retry, plus jitter. Default 200 ms. */
  retryBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
}) {
  const doFetch = options.fetch ?? undiciFetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const baseDelay = options.retryBaseMs ?? 200;
  const backoff = (attempt: number) => baseDelay * 2 ** attempt + Math.floor(Math.random() * baseDelay);
  return async function send(
    url: string,
    init: RequestInit,
    retryable: (r: Response) => boolean,
    counter: { retries: number },
  ): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await doFetch(url, {
          ...init,
          redirect: "manual",
          dispatcher: options.dispatcher,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        if (!retryable(response) || attempt >= options.maxRetries) return response;
        await discard(response);
      } catch (error) {
        const refused = destinationRefusal(error);
        if (refused) throw refused;
        if (attempt >= options.maxRetries) throw new RetriesExhausted((error as Error).message);
      }
      counter.retries++;
      await sleep(backoff(attempt));
    }
  };
}

/**
 * The request a purchase sends: an http(s) URL, a supported method, the vendor label (the host
 * unless given) and the purchase's fingerprint. Anything else is an InvalidInputError.
 */
export function targetOf(req: PayRequest): { url: URL; method: string; vendor: string; fingerprint: string } {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    throw new InvalidInputError("invalid_request", `url ${JSON.stringify(req.url)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidInputError("invalid_request", "url must be http or https");
  }
  const method = (req.method ?? "GET").toUpperCase();
  if (!METHODS.has(method))
    throw new InvalidInputError("invalid_request", `method ${method} is not supported`);
  // What makes this purchase this purchase: the same key with another request is a client bug
  // (Stripe answers it the same way), never a silent replay of the first one.
  const fingerprint = requestFingerprint(url, method, req.body, req.maxPriceMicro);
  return { url, method, vendor: req.vendor ?? url.host, fingerprint };
}

/**
 * The answer to a signed request: its body within the cap (or why it could not be read) and the
 * vendor's PAYMENT-RESPONSE, decoded (null when absent or not decodable). No answer at all (the
 * send failed) reads as nothing.
 */
export async function readPaidAnswer(
  paid: Response | null,
  maxBytes: number,
): Promise<{
  response?: VendorResponse;
  bodyError: ResponseBodyError | null;
  settle: SettleResponse | null;
}> {
  let response: VendorResponse | undefined;
  let bodyError: ResponseBodyError | null = null;
  if (paid) {
    try {
      response = await readResponse(paid, maxBytes);
    } catch (error) {
      if (!(error instanceof ResponseBodyError)) throw error;
      bodyError = error;
    }
  }
  let settle: SettleResponse | null = null;
  const settleHeader = paid?.headers.get("payment-response");
  if (settleHeader) {
    try {
      settle = decodePaymentResponseHeader(settleHeader);
    } catch {
      settle = null;
    }
  }
  return { response, bodyError, settle };
}

/**
 * What makes a purchase this purchase (url, method, the body actually sent, the caller's price
 * ceiling): the same idempotency key with another request is a client bug, never a silent replay.
 */
export function requestFingerprint(
  url: URL,
  method: string,
  body: string | undefined,
  maxPriceMicro?: Micro,
) {
  return createHash("sha256")
    .update(JSON.stringify([url.toString(), method, sentBody(method, body), maxPriceMicro?.toString() ?? ""]))
    .digest("hex");
}

/** Why a signed request did not end in a confirmed settlement, in the vendor's own terms. */
export function unsettledCause(
  paid: Response | null,
  sendError: string | null,
  bodyError: ResponseBodyError | null,
  settle: SettleResponse | null,
): { cause: PayFailureCode; reason: string } {
  if (!paid)
    return { cause: "network_error", reason: `vendor unreachable after payment was signed: ${sendError}` };
  if (bodyError) return { cause: bodyError.code, reason: bodyError.message };
  if (paid.status === 402) {
    let why = "";
    try {
      why = decodePaymentRequiredHeader(paid.headers.get("payment-required") ?? "").error ?? "";
    } catch {
      why = "";
    }
    return {
      cause: "settlement_failed",
      reason: `the vendor did not accept the payment${why ? `: ${why}` : ""}; nothing will be signed again for this request`,
    };
  }
  if (settle && !settle.success) {
    return {
      cause: "settlement_failed",
      reason: `settlement failed: ${settle.errorReason ?? settle.errorMessage ?? "unknown"}`,
    };
  }
  return {
    cause: "vendor_error",
    reason: `vendor answered ${paid.status}; the vendor did not confirm a settlement`,
  };
}
