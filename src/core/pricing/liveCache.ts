interface Entry<T> {
  readonly fetchedAt: number;
  readonly value: Promise<T>;
}

/**
 * Live prices reused for a while: concurrent scans share one request, an answer is kept for
 * `ttlMs`, and a failure is not kept (the next scan asks again).
 */
export class LiveCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(private readonly settings: { readonly ttlMs: number; readonly now: () => number }) {}

  async get(key: string, fetch: () => Promise<T>): Promise<{ fetchedAt: number; value: T }> {
    const now = this.settings.now();
    let entry = this.entries.get(key);
    if (!entry || now - entry.fetchedAt >= this.settings.ttlMs) {
      entry = { fetchedAt: now, value: fetch() };
      this.entries.set(key, entry);
    }
    const current = entry;
    try {
      return { fetchedAt: current.fetchedAt, value: await current.value };
    } catch (error) {
      if (this.entries.get(key) === current) this.entries.delete(key);
      throw error;
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
