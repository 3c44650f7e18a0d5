import diagnostics from "node:diagnostics_channel";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";

/**
 * Makes the socket peer of every HTTP request this process serves the last `x-forwarded-for`
 * entry, before Next (or anything else) reads the request.
 *
 * Why: Next 16's `next start` never hands the socket's address to route handlers, server
 * actions or next-auth; it only sets `x-forwarded-for` to it when the request carries none
 * (base-server.js: `req.headers['x-forwarded-for'] ??= socket.remoteAddress`). A client that
 * sends its own header therefore replaces its address with anything it likes. Appending the
 * peer here, as a proxy would, leaves one trustworthy entry at the right end of the chain; the
 * entries before it are believed only as far as X402_TRUSTED_PROXIES says (clientIp in
 * lib/payment-core/access/rate-limit.ts).
 *
 * Node publishes `http.server.request.start` for each request after its headers are parsed and
 * before the server's `request` listener runs, so every request reaches Next already amended.
 */

const CHANNEL = "http.server.request.start";

function appendPeer(message: unknown): void {
  const { request, socket } = message as { request: IncomingMessage; socket: Socket };
  const peer = socket?.remoteAddress;
  // A socket already closed has no address: the client's header must not stand alone then.
  const given = request.headers["x-forwarded-for"];
  const chain = Array.isArray(given) ? given.join(", ") : (given ?? "");
  request.headers["x-forwarded-for"] = [chain, peer ?? "unknown"].filter((s) => s.trim() !== "").join(", ");
}

// Marked on Node's one channel object, so a second copy of this module (Next may bundle it twice)
// does not append the peer a second time.
const INSTALLED = Symbol.for("x402.peer-address");
type Marked = diagnostics.Channel & { [INSTALLED]?: (message: unknown) => void };

/** Subscribes once per process (idempotent); the console calls it when it starts (instrumentation-node.ts). */
export function installPeerAddress(): void {
  const channel = diagnostics.channel(CHANNEL) as Marked;
  if (channel[INSTALLED]) return;
  channel[INSTALLED] = appendPeer;
  channel.subscribe(appendPeer);
}

/** For tests: stops amending requests. */
export function uninstallPeerAddress(): void {
  const channel = diagnostics.channel(CHANNEL) as Marked;
  const installed = channel[INSTALLED];
  if (installed) channel.unsubscribe(installed);
  delete channel[INSTALLED];
}
