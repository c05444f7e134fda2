/**
 * Lets this test process trust the sandbox's CA, as NODE_EXTRA_CA_CERTS lets the editor (its
 * extension host starts with the sandbox's environment). This process started before the CA
 * existed, and Node reads that variable only at start-up, so the CA is added to every TLS context
 * made with the default roots from now on: https (@azure/identity) and fetch (ARM, Blob storage)
 * still verify every certificate, against Node's roots plus this one. Undone by the returned function.
 */
// The module object itself (a default import under esModuleInterop), not a namespace copy: https and fetch call through it.
import tls from 'node:tls';

export function trustSandboxCa(caPem: string): () => void {
  const original = tls.createSecureContext;
  tls.createSecureContext = (options?: tls.SecureContextOptions): tls.SecureContext => {
    const context = original(options);
    // A caller that names its own CAs trusts only those, as Node does.
    if (!options?.ca) (context.context as { addCACert(pem: string): void }).addCACert(caPem);
    return context;
  };
  return () => {
    tls.createSecureContext = original;
  };
}
