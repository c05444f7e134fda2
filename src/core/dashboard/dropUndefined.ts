/**
 * A copy without the keys whose value is undefined. A record read back from JSON has no such keys;
 * dropping them in memory too keeps records equal to what the file will hold.
 */
export function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}
