import type { CheckpointUploads } from './checkpointUploads';

/**
 * The measurements of the newest earlier launch of a profile (lineages of that box name), for the
 * pre-flight of the next one: the same trainer most likely writes the same checkpoint again.
 */
export function newestUploadsOfProfile(records: ReadonlyArray<{ readonly boxName: string; readonly checkpointUploads?: CheckpointUploads }>, profileName: string): CheckpointUploads | undefined {
  return records
    .filter((record) => record.boxName === profileName && record.checkpointUploads?.last !== undefined && record.checkpointUploads.samples.length > 0)
    .map((record) => record.checkpointUploads!)
    .sort((a, b) => b.last!.at - a.last!.at)[0];
}
