/**
 * Next calls this once when the server starts. The Node-only start-up checks live in their own
 * module so the Edge build of this file never sees them.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { checkConfiguration, startBackgroundJobs } = await import("./instrumentation-node");
    checkConfiguration();
    // Not while `next build` prerenders: only a serving process pays and resolves settlements.
    if (process.env.NEXT_PHASE !== "phase-production-build") {
      const { recordEffectiveConfiguration } = await import("./instrumentation-config");
      await recordEffectiveConfiguration();
      await startBackgroundJobs();
    }
  }
}
