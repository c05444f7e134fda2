import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../logging/logger';
import { firstHourWaiver, type FirstHourWaiver } from '../billing/firstHourInterruption';
import { isCloudId } from '../cloud/clouds';
import { dropUndefined } from './dropUndefined';
import { INTERRUPTION_KINDS, type BoxSession, type EpochRecord, type InterruptionRecord, type LedgerData, type PendingUsageEvent } from './usageTypes';

export const LEDGER_VERSION = 1;

export const EMPTY_LEDGER: LedgerData = { sessions: [], pendingEvents: [] };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const optionalUsd = (value: unknown): boolean => value === undefined || (typeof value === 'number' && Number.isFinite(value));

function interruptionOf(value: unknown): InterruptionRecord | undefined {
  return isObject(value) && INTERRUPTION_KINDS.includes(value.kind as InterruptionRecord['kind']) && isTime(value.time) ? { kind: value.kind as InterruptionRecord['kind'], time: value.time } : undefined;
}

function waiverOf(value: unknown): FirstHourWaiver | undefined {
  return isObject(value) && value.reason === 'ec2-interrupted-in-first-hour' && typeof value.usd === 'number' && Number.isFinite(value.usd) ? firstHourWaiver(value.usd) : undefined;
}

function epochOf(value: unknown): EpochRecord | undefined {
  return isObject(value) && isTime(value.epoch) && isTime(value.time) ? { epoch: value.epoch, time: value.time } : undefined;
}

function sessionOf(value: unknown): BoxSession | undefined {
  if (!isObject(value)) return undefined;
  const strings = ['id', 'boxName', 'instanceId', 'region', 'availabilityZone', 'instanceType'] as const;
  if (!strings.every((key) => typeof value[key] === 'string')) return undefined;
  if (value.lifecycle !== 'spot' && value.lifecycle !== 'on-demand') return undefined;
  // Written before sessions recorded their cloud: only AWS boxes existed then. A cloud this version
  // does not know is not taken for AWS.
  if (!(value.cloud === undefined || isCloudId(value.cloud))) return undefined;
  if (!isTime(value.start) || !isTime(value.lastSeenAt) || !(value.end === undefined || isTime(value.end))) return undefined;
  if (!(value.endReason === undefined || value.endReason === 'stopped' || value.endReason === 'terminated' || value.endReason === 'gone')) return undefined;
  if (!optionalUsd(value.accruedUsd) || !optionalUsd(value.onDemandEquivalentUsd)) return undefined;
  if (!Array.isArray(value.interruptions) || !Array.isArray(value.epochs)) return undefined;
  const interruptions = value.interruptions.map(interruptionOf);
  const epochs = value.epochs.map(epochOf);
  if (interruptions.includes(undefined) || epochs.includes(undefined)) return undefined;
  // Field by field, so whatever else the file holds does not travel on into the next write.
  return dropUndefined<BoxSession>({
    id: value.id as string,
    cloud: value.cloud ?? 'aws',
    boxName: value.boxName as string,
    instanceId: value.instanceId as string,
    region: value.region as string,
    availabilityZone: value.availabilityZone as string,
    instanceType: value.instanceType as string,
    lifecycle: value.lifecycle,
    start: value.start,
    end: value.end,
    endReason: value.endReason,
    lastSeenAt: value.lastSeenAt,
    accruedUsd: value.accruedUsd as number | undefined,
    onDemandEquivalentUsd: value.onDemandEquivalentUsd as number | undefined,
    waiver: waiverOf(value.waiver),
    interruptions: interruptions as InterruptionRecord[],
    epochs: epochs as EpochRecord[],
  });
}

function pendingOf(value: unknown): PendingUsageEvent | undefined {
  if (!isObject(value) || typeof value.instanceId !== 'string') return undefined;
  const interruption = value.interruption === undefined ? undefined : interruptionOf(value.interruption);
  const epoch = value.epoch === undefined ? undefined : epochOf(value.epoch);
  return interruption || epoch ? dropUndefined({ instanceId: value.instanceId, interruption, epoch }) : undefined;
}

/**
 * Reads the ledger's JSON. Records that do not make sense are dropped one by one rather than
 * losing the file; `problem` says what was wrong so the caller can keep the original aside.
 */
export function parseLedger(text: string): { data: LedgerData; problem?: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { data: EMPTY_LEDGER, problem: `not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (!isObject(raw) || !Array.isArray(raw.sessions)) {
    return { data: EMPTY_LEDGER, problem: 'not a usage ledger' };
  }
  if (raw.version !== LEDGER_VERSION) {
    return { data: EMPTY_LEDGER, problem: `written in format ${String(raw.version)}, this version reads ${LEDGER_VERSION}` };
  }
  const sessions = raw.sessions.map(sessionOf);
  const pending = (Array.isArray(raw.pendingEvents) ? raw.pendingEvents : []).map(pendingOf);
  const data = { sessions: sessions.filter((s): s is BoxSession => s !== undefined), pendingEvents: pending.filter((p): p is PendingUsageEvent => p !== undefined) };
  const dropped = sessions.length - data.sessions.length + (pending.length - data.pendingEvents.length);
  return dropped > 0 ? { data, problem: `${dropped} unreadable record(s) dropped` } : { data };
}

export function serializeLedger(data: LedgerData): string {
  return `${JSON.stringify({ version: LEDGER_VERSION, sessions: data.sessions, pendingEvents: data.pendingEvents }, null, 1)}\n`;
}

/** The ledger's file name in the extension's global storage. */
export const USAGE_LEDGER_FILE = 'usage-ledger.json';

/**
 * The sessions of the ledger on disk, for readers that only look (the launch's and the calculator's
 * observed interruption rates): a missing or unreadable file is no history, with `onUnreadable` told why.
 */
export async function readLedgerSessions(filePath: string, onUnreadable: (reason: string) => void): Promise<readonly BoxSession[]> {
  try {
    return parseLedger(await fs.readFile(filePath, 'utf8')).data.sessions;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') {
      onUnreadable(error instanceof Error ? error.message : String(error));
    }
    return [];
  }
}

/**
 * The ledger on disk; a missing file is an empty ledger. A damaged one is copied aside (so nothing
 * is lost for good), logged, and whatever could be read is kept.
 */
export async function readLedgerFile(filePath: string, logger: Logger, now: number): Promise<LedgerData> {
  let text: string;
  try {
    text = await fs.readFile(filePath, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return EMPTY_LEDGER;
    throw error;
  }
  const { data, problem } = parseLedger(text);
  if (problem !== undefined) {
    const backup = `${filePath}.corrupt-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
    await fs.copyFile(filePath, backup);
    logger.warn(`usage ledger ${filePath} is damaged (${problem}); kept a copy at ${backup} and carried on with ${data.sessions.length} session(s)`);
  }
  return data;
}

/** Writes to a temporary file and renames it over the ledger: a crash leaves the old file or the new one, never half of one. */
export async function writeLedgerFile(filePath: string, data: LedgerData): Promise<void> {
  await fs.mkdir(path.dirname(filePath), { recursive: true });
  const temporary = `${filePath}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await fs.writeFile(temporary, serializeLedger(data), 'utf8');
    await fs.rename(temporary, filePath);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}
