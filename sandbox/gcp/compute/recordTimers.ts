/** Per-instance timers (boot steps, preemption stages): cancelled together when the instance goes, all at dispose. */
export class RecordTimers {
  private readonly timers = new Map<string, NodeJS.Timeout[]>();
  private disposed = false;

  /** Runs `action` after `ms` unless the record's timers are cancelled or the owner disposed first. */
  later(recordId: string, ms: number, action: () => void): void {
    if (this.disposed) {
      return;
    }
    const timer = setTimeout(() => {
      this.timers.set(recordId, (this.timers.get(recordId) ?? []).filter((other) => other !== timer));
      if (!this.disposed) {
        action();
      }
    }, ms);
    this.timers.set(recordId, [...(this.timers.get(recordId) ?? []), timer]);
  }

  cancel(recordId: string): void {
    for (const timer of this.timers.get(recordId) ?? []) {
      clearTimeout(timer);
    }
    this.timers.delete(recordId);
  }

  dispose(): void {
    this.disposed = true;
    for (const timers of this.timers.values()) {
      timers.forEach(clearTimeout);
    }
    this.timers.clear();
  }
}
