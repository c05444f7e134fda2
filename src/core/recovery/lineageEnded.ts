import type { LineageRecord } from './recoveryTypes';

/** The record with `ended` as it was (set, or absent): undoes marking a lineage ended whose box was not terminated after all. */
export function withEnded(record: LineageRecord, ended: boolean | undefined): LineageRecord {
  const restored: { -readonly [K in keyof LineageRecord]: LineageRecord[K] } = { ...record };
  delete restored.ended;
  return ended ? { ...restored, ended: true } : restored;
}
