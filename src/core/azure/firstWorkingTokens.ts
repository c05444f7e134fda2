import type { ArmTokenSource } from './armHttp';

/**
 * Several ways to an ARM token tried in order (VS Code's Microsoft sign-in, then @azure/identity's
 * chain); the first that gives a token is kept for the next calls. When all fail, the last error
 * is thrown, with what each source said.
 */
export class FirstWorkingTokens implements ArmTokenSource {
  private working: ArmTokenSource | undefined;

  constructor(private readonly sources: ReadonlyArray<{ readonly name: string; readonly source: ArmTokenSource }>) {}

  async token(signal?: AbortSignal): Promise<string> {
    if (this.working) return this.working.token(signal);
    const reasons: string[] = [];
    let last: unknown;
    for (const { name, source } of this.sources) {
      try {
        const token = await source.token(signal);
        this.working = source;
        return token;
      } catch (error) {
        signal?.throwIfAborted();
        last = error;
        reasons.push(`${name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      }
    }
    if (!(last instanceof Error)) throw new Error(reasons.length > 0 ? reasons.join('; ') : 'no Azure credential source is configured');
    if (reasons.length > 1) last.message = `${last.message} (tried ${reasons.join('; ')})`;
    throw last;
  }
}
