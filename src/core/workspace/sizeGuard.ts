import { SpotboxError } from '../errors';
import type { WorkspaceListing } from './workspaceTypes';

/** What an upload refuses above by default: a dev workspace, not a data set. */
export const DEFAULT_MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

/**
 * Refuses an upload bigger than `maxBytes` before anything is sent, naming the biggest folders and
 * files: almost always a data set, checkpoints or a virtualenv that .gitignore does not list yet.
 */
export function checkUploadSize(listing: WorkspaceListing, maxBytes: number): void {
  if (listing.totalBytes <= maxBytes) return;
  const folders = new Map<string, number>();
  for (const file of listing.files) {
    const top = file.path.split('/')[0];
    if (top !== file.path) folders.set(`${top}/`, (folders.get(`${top}/`) ?? 0) + file.size);
  }
  const biggestFolders = [...folders].sort((a, b) => b[1] - a[1]).slice(0, 3);
  const biggestFiles = [...listing.files].sort((a, b) => b.size - a.size).slice(0, 5);
  const list = (entries: Array<[string, number]>): string => entries.map(([name, size]) => `${name} (${formatBytes(size)})`).join(', ');
  throw new SpotboxError(
    `The workspace holds ${formatBytes(listing.totalBytes)} in ${listing.files.length} files to upload, over the ${formatBytes(maxBytes)} limit. ` +
      `${biggestFolders.length > 0 ? `Biggest folders: ${list(biggestFolders)}. ` : ''}Biggest files: ${list(biggestFiles.map((file) => [file.path, file.size]))}.`,
    'Add what the box does not need to .gitignore (data is better fetched on the box, e.g. from S3), raise the limit, or set "cloneFrom" in .spotbox/profile.json to clone the repository on the box instead.',
  );
}

/** "512 B", "1.5 KiB", "300 MiB", "2.3 GiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
