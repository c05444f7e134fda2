import * as fs from 'node:fs';
import type { EventSink, SandboxEvent, SandboxEventKind } from './contract';

/** Every fault and lifecycle event, kept in memory for the control API and appended to a JSON-lines file. */
export class EventLog implements EventSink {
  private readonly recent: SandboxEvent[] = [];

  constructor(
    private readonly file: string,
    private readonly clock: () => number = Date.now,
    private readonly keep = 5000,
  ) {}

  record(kind: SandboxEventKind, details: Record<string, unknown>): void {
    const event: SandboxEvent = { time: new Date(this.clock()).toISOString(), kind, details };
    this.recent.push(event);
    if (this.recent.length > this.keep) {
      this.recent.splice(0, this.recent.length - this.keep);
    }
    fs.appendFileSync(this.file, `${JSON.stringify(event)}\n`);
  }

  events(filter?: { kind?: string; since?: string }): SandboxEvent[] {
    return this.recent.filter((event) => (!filter?.kind || event.kind === filter.kind) && (!filter?.since || event.time >= filter.since));
  }
}
