/**
 * What the REST clients of Google Cloud and Azure share about retrying over Node's fetch: which
 * failures are the network's (worth another attempt), and a wait that an abort ends at once.
 */

/** A timeout of one attempt, or a connection that failed or dropped (Node's fetch: TypeError "fetch failed" with the socket error as cause). */
export function isTransientFetchError(error: unknown): boolean {
  const e = error as { name?: string; message?: string; cause?: { code?: string } } | undefined;
  if (e?.name === 'TimeoutError') return true;
  const code = e?.cause?.code ?? '';
  return (e?.name === 'TypeError' && e.message === 'fetch failed') || ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET'].includes(code);
}

/** Waits `ms`; rejects with the signal's reason as soon as it aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new DOMException('Aborted', 'AbortError'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
