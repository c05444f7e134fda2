/** `us-central1-a` -> `us-central1`: a GCE zone is its region and one letter. */
export function regionOfZone(zone: string): string {
  return zone.replace(/-[a-z]$/, '');
}
