import type { NoticeFit } from './noticeFit';

/** Decimal units, as S3 and network links are quoted. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

export function formatMegabytesPerSecond(bytesPerSecond: number): string {
  const value = bytesPerSecond / 1e6;
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} MB/s`;
}

/** "4.3 GB ≈ 72 s at 60 MB/s, 55 s usable in the notice" */
export function noticeFitFigures(fit: NoticeFit): string {
  return `${formatBytes(fit.checkpointBytes)} ≈ ${Math.ceil(fit.uploadSeconds)} s at ${formatMegabytesPerSecond(fit.bytesPerSecond)}, ${Math.floor(fit.usableSeconds)} s usable in the notice`;
}

/** What to do about a checkpoint the notice cannot carry. */
export const NOTICE_FIT_ADVICE =
  'Save less on the notice (weights and optimizer state only, not a dataset cache), rely on periodic saves (a shorter checkpoint.intervalMinutes), or use a bucket in the box\'s region.';

/** The one-time notification (and the tree tooltip's warning): what is wrong and what to do. */
export function tooBigForNoticeMessage(boxName: string, fit: NoticeFit): string {
  return `${boxName}: its last checkpoint does not fit in a spot notice (${noticeFitFigures(fit)}); a notice would lose the work since the last complete checkpoint. ${NOTICE_FIT_ADVICE}`;
}

/** One line for the tree tooltip, whether it fits or not. */
export function noticeFitSummary(fit: NoticeFit): string {
  const measured = `Checkpoint upload: ${formatMegabytesPerSecond(fit.bytesPerSecond)} measured over ${fit.sampleCount} checkpoint${fit.sampleCount === 1 ? '' : 's'}`;
  return `${measured}; last checkpoint ${noticeFitFigures(fit)}${fit.fits ? ' — fits' : ' — too big for the notice'}`;
}

/** The pre-flight's line, from the newest earlier launch of the same profile. */
export function preflightNoticeFitLine(fit: NoticeFit): string {
  return fit.fits
    ? `Last run's checkpoint fits in the notice (${noticeFitFigures(fit)}).`
    : `Last run's checkpoint is too big for the notice (${noticeFitFigures(fit)}): ${NOTICE_FIT_ADVICE}`;
}
