import { setTimeout as delay } from 'node:timers/promises';

/**
 * A pause for waits that run in the background (EC2 catching up with a notice, EC2 reclaiming a
 * box): it never keeps a closing process alive, and an abort ends it early without an error, so the
 * waiting loop sees the signal and stops on its own terms.
 */
export function backgroundPause(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, { ref: false, ...(signal ? { signal } : {}) }).catch(() => undefined);
}
