/**
 * Next calls this once when the server starts. The Node-only start-up checks live in their own
 * module so the Edge build of this file never sees them.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { checkConfiguration, installPeerAddress, startBackgroundJobs } = await import(
      "./instrumentation-node"
    );
    // Before the first request is handled: the throttles key on the address it appends (clientIp).
    installPeerAddress();
    checkConfiguration();
    // Not while `next build` prerenders: only a serving process pays and resolves settlements.
    if (process.env.NEXT_PHASE !== "phase-production-build") {
      const { recordEffectiveConfiguration } = await import("./instrumentation-config");
      await recordEffectiveConfiguration();
      await startBackgroundJobs();
    }
  }
}
