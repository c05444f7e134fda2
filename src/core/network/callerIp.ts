import { SpotboxError } from '../errors';

export interface CallerIpOptions {
  readonly timeoutMs: number;
  /** Injected in tests; the global fetch otherwise. */
  readonly fetch?: (url: string, init: { signal: AbortSignal }) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;
}

/** Dotted IPv4 with each part 0..255 and no leading zeros (which some parsers read as octal). */
export function parseIpv4(text: string): string | undefined {
  const value = text.trim();
  const parts = value.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255)) return undefined;
  return value;
}

/**
 * The caller's public IPv4 as a service like checkip.amazonaws.com sees it (plain text body), for
 * the SSH rule. There is deliberately no fallback to 0.0.0.0/0: an SSH port open to everyone is
 * worse than asking the user, so every failure is an error that says how to go on.
 */
export async function callerPublicIp(url: string, options: CallerIpOptions): Promise<string> {
  const fail = (reason: string, cause?: unknown): SpotboxError =>
    new SpotboxError(`Could not find your public IP from ${url}: ${reason}`, 'Set spotbox.checkIpUrl or enter your IP address.', { cause });
  const doFetch = options.fetch ?? ((target, init) => fetch(target, init));
  const signal = AbortSignal.timeout(options.timeoutMs);
  let body: string;
  try {
    const response = await doFetch(url, { signal });
    if (!response.ok) throw fail(`the service answered HTTP ${response.status}`);
    body = await response.text();
  } catch (error) {
    if (error instanceof SpotboxError) throw error;
    const name = (error as { name?: string }).name;
    throw fail(name === 'TimeoutError' || name === 'AbortError' ? `no answer within ${options.timeoutMs} ms` : (error as Error).message ?? String(error), error);
  }
  const ip = parseIpv4(body);
  if (!ip) throw fail(`the answer "${body.trim().slice(0, 60)}" is not an IPv4 address`);
  return ip;
}
