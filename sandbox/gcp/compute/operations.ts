/**
 * Compute Engine Operation resources: every mutation answers one, `status` PENDING -> RUNNING ->
 * DONE, and a failed one is DONE with `error.errors[]` (plus httpErrorStatusCode). `wait`
 * answers when the operation is DONE or after a bounded time, whichever is first, so clients loop.
 */
import { randomBytes } from 'node:crypto';
import { GoogleApiError } from '../http/googleError';
import { computeTimestamp, projectLink, regionLink, zoneLink } from './links';

export type OperationStatus = 'PENDING' | 'RUNNING' | 'DONE';

/** Where an operation lives: `zones/z/operations`, `regions/r/operations` or `global/operations`. */
export type OperationScope = { readonly zone: string } | { readonly region: string } | 'global';

export interface OperationError {
  readonly code: string;
  readonly message: string;
  readonly errorDetails?: readonly unknown[];
}

export interface OperationRecord {
  readonly id: string;
  readonly name: string;
  readonly project: string;
  /** Zonal operations (instances) carry a zone, regional ones (managed instance groups) a region, global ones neither. */
  readonly zone?: string;
  readonly region?: string;
  readonly operationType: string;
  readonly targetLink: string;
  readonly targetId: string;
  readonly user: string;
  readonly insertTimeMs: number;
  status: OperationStatus;
  progress: number;
  startTimeMs?: number;
  endTimeMs?: number;
  statusMessage?: string;
  error?: { errors: OperationError[] };
  httpErrorStatusCode?: number;
  httpErrorMessage?: string;
}

/**
 * The longest a `wait` call holds. The real API holds up to 2 minutes and may answer earlier;
 * holding at most 30 s makes a client that does not loop fail here too, on any long operation.
 */
export const DEFAULT_WAIT_LIMIT_MS = 30_000;

export class Operations {
  private readonly records = new Map<string, OperationRecord>();
  private readonly waiters = new Set<(force?: boolean) => void>();

  constructor(private readonly now: () => number = Date.now, private readonly waitLimitMs = DEFAULT_WAIT_LIMIT_MS) {}

  start(fields: { project: string; zone?: string; region?: string; operationType: string; targetLink: string; targetId: string; user: string; status?: OperationStatus }): OperationRecord {
    const now = this.now();
    const record: OperationRecord = {
      id: String(BigInt('0x' + randomBytes(8).toString('hex')) % 10n ** 19n),
      name: `operation-${now}-${randomBytes(6).toString('hex')}-${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`,
      insertTimeMs: now,
      progress: 0,
      ...fields,
      status: fields.status ?? 'PENDING',
    };
    if (record.status !== 'PENDING') {
      record.startTimeMs = now;
    }
    this.records.set(this.key(record.project, scopeOf(record), record.name), record);
    this.changed();
    return record;
  }

  running(record: OperationRecord): void {
    if (record.status === 'PENDING') {
      record.status = 'RUNNING';
      record.startTimeMs = this.now();
      this.changed();
    }
  }

  done(record: OperationRecord, failure?: { errors: OperationError[]; httpStatus: number; httpMessage: string }): void {
    if (record.status === 'DONE') {
      return;
    }
    record.startTimeMs ??= this.now();
    record.status = 'DONE';
    record.progress = 100;
    record.endTimeMs = this.now();
    if (failure) {
      record.error = { errors: failure.errors };
      record.httpErrorStatusCode = failure.httpStatus;
      record.httpErrorMessage = failure.httpMessage;
    }
    this.changed();
  }

  get(project: string, scope: OperationScope, name: string): OperationRecord {
    const record = this.records.get(this.key(project, scope, name));
    if (!record) {
      throw GoogleApiError.notFound(`projects/${project}/${scopePath(scope)}/operations/${name}`);
    }
    return record;
  }

  list(project: string, scope: OperationScope): OperationRecord[] {
    const path = scopePath(scope);
    return [...this.records.values()].filter((record) => record.project === project && scopePath(scopeOf(record)) === path).sort((a, b) => a.insertTimeMs - b.insertTimeMs);
  }

  /** Resolves with the operation once DONE, or at the limit (or at once, as the real API may). */
  async wait(project: string, scope: OperationScope, name: string, limitMs = this.waitLimitMs): Promise<OperationRecord> {
    const record = this.get(project, scope, name);
    if (record.status === 'DONE') {
      return record;
    }
    await new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve();
      };
      const waiter = (force?: boolean): void => {
        if (force || record.status === 'DONE') {
          finish();
        }
      };
      const timer = setTimeout(finish, limitMs);
      this.waiters.add(waiter);
    });
    return record;
  }

  /** Releases every pending wait (sandbox shutdown). */
  releaseAll(): void {
    for (const waiter of [...this.waiters]) {
      waiter(true);
    }
  }

  private changed(): void {
    for (const waiter of [...this.waiters]) {
      waiter();
    }
  }

  private key(project: string, scope: OperationScope, name: string): string {
    return `${project}/${scopePath(scope)}/${name}`;
  }
}

function scopeOf(record: OperationRecord): OperationScope {
  return record.zone ? { zone: record.zone } : record.region ? { region: record.region } : 'global';
}

function scopePath(scope: OperationScope): string {
  return scope === 'global' ? 'global' : 'zone' in scope ? `zones/${scope.zone}` : `regions/${scope.region}`;
}

export function renderOperation(record: OperationRecord): Record<string, unknown> {
  const scope = record.zone ? zoneLink(record.project, record.zone) : record.region ? regionLink(record.project, record.region) : `${projectLink(record.project)}/global`;
  return {
    kind: 'compute#operation',
    id: record.id,
    name: record.name,
    ...(record.zone ? { zone: zoneLink(record.project, record.zone) } : {}),
    ...(record.region ? { region: regionLink(record.project, record.region) } : {}),
    operationType: record.operationType,
    targetLink: record.targetLink,
    targetId: record.targetId,
    status: record.status,
    ...(record.statusMessage ? { statusMessage: record.statusMessage } : {}),
    user: record.user,
    progress: record.progress,
    insertTime: computeTimestamp(record.insertTimeMs),
    ...(record.startTimeMs !== undefined ? { startTime: computeTimestamp(record.startTimeMs) } : {}),
    ...(record.endTimeMs !== undefined ? { endTime: computeTimestamp(record.endTimeMs) } : {}),
    ...(record.error ? { error: record.error } : {}),
    ...(record.httpErrorStatusCode !== undefined ? { httpErrorStatusCode: record.httpErrorStatusCode, httpErrorMessage: record.httpErrorMessage } : {}),
    selfLink: `${scope}/operations/${record.name}`,
  };
}
