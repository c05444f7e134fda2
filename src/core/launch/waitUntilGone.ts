/** Retries a deletion while the cloud still says the resource is in use (e.g. by a terminating instance). */
export async function waitUntilGone(remove: () => Promise<void>, options: { retryOn: RegExp; timeoutMs?: number; intervalMs?: number }): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  let interval = options.intervalMs ?? 500;
  for (;;) {
    try {
      await remove();
      return;
    } catch (error) {
      const text = error instanceof Error ? `${error.name} ${error.message}` : String(error);
      if (!options.retryOn.test(text) || Date.now() > deadline) {
        throw error;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
    interval = Math.min(interval * 2, 5000);
  }
}
