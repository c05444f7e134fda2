/** One line of the box agent's journal (`~/.spotbox/journal.jsonl`), as the editor reads it. */
export interface AgentEvent {
  readonly type: string;
  /** Epoch milliseconds. */
  readonly time: number;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Parses one journal line; undefined for a torn or foreign line (the file is appended while read). */
export function parseAgentEvent(line: string): AgentEvent | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) {
    return undefined;
  }
  try {
    const parsed = JSON.parse(trimmed) as Record<string, unknown>;
    const time = typeof parsed.time === 'string' ? Date.parse(parsed.time) : typeof parsed.time === 'number' ? parsed.time : NaN;
    if (typeof parsed.type !== 'string' || !Number.isFinite(time)) {
      return undefined;
    }
    return { type: parsed.type, time, fields: parsed };
  } catch {
    return undefined;
  }
}

export function numberField(event: AgentEvent, ...names: string[]): number | undefined {
  for (const name of names) {
    const value = event.fields[name];
    if (typeof value === 'number' && Number.isFinite(value)) {
      return value;
    }
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
      return Number(value);
    }
  }
  return undefined;
}

export function timeField(event: AgentEvent, ...names: string[]): number | undefined {
  for (const name of names) {
    const value = event.fields[name];
    const parsed = typeof value === 'string' ? Date.parse(value) : typeof value === 'number' ? value : NaN;
    if (Number.isFinite(parsed)) {
      return parsed;
    }
  }
  return undefined;
}
