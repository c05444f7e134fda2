/** A usage error: one line naming the flag, exit code 2. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

export function numberFlag(flag: string, raw: string | undefined, options: { min?: number; exclusiveMin?: boolean; percentAllowed?: boolean } = {}): number | undefined {
  if (raw === undefined) {
    return undefined;
  }
  const percent = options.percentAllowed === true && raw.trim().endsWith('%');
  const value = Number(percent ? raw.trim().slice(0, -1) : raw);
  if (raw.trim() === '' || !Number.isFinite(value)) {
    throw new CliUsageError(`--${flag} must be a number, got "${raw}"`);
  }
  const min = options.min ?? 0;
  if (options.exclusiveMin ? value <= min : value < min) {
    throw new CliUsageError(`--${flag} must be ${options.exclusiveMin ? 'greater than' : 'at least'} ${min}, got ${raw}`);
  }
  return percent ? value / 100 : value;
}
