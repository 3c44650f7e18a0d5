/**
 * dependency-cruiser: the import graph of app, components, lib, db and scripts may hold no cycle.
 * Run with `npm run check:cycles` (scripts/check-cycles.mjs; `npm test` runs it beside lint and
 * typecheck).
 *
 * Type-only imports (`import type`, `import { type X }` where every name is a type) do not count:
 * TypeScript erases them, so they cannot change the order modules evaluate in, leave a half-built
 * module behind an import, or make a bundle load one module through another. A runtime cycle can,
 * and is what this check is for. (Counting them would flag one today, in the domain:
 * x402/payer.ts -> treasury/rotation-gate.ts -> treasury/rotation.ts, which imports the payer's
 * PayRequest and PayOutcome types back.)
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment:
        "This module is part of an import cycle at runtime. Break it by moving the shared part into a module both import, or by passing the dependency in (lib/server builds the shared services).",
      from: { path: "^(app|components|lib|db|scripts)/" },
      to: {
        circular: true,
        // A cycle counts when each step of it is a runtime import.
        viaOnly: { dependencyTypesNot: ["type-only"] },
      },
    },
  ],
  options: {
    includeOnly: "^(app|components|lib|db|scripts)/",
    exclude: { path: "(^|/)node_modules/" },
    doNotFollow: { path: "(^|/)node_modules/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".mjs", ".js", ".cjs", ".d.ts"],
      mainFields: ["module", "main", "types", "typings"],
    },
    skipAnalysisNotInRules: true,
  },
};
