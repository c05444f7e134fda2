/**
 * Editor settings for a VS Code pointed at the sandbox: the extension host must trust the
 * sandbox's test CA (Azure's ARM, Entra ID and Blob speak HTTPS), which the sandbox's environment
 * names in NODE_EXTRA_CA_CERTS. With VS Code's `http.systemCertificates` on (its default), which
 * adds the OS's CAs to the extension host's TLS connections, the test CA is not trusted there:
 * `https.get` and `fetch` to the sandbox's Entra ID fail with "unable to verify the first
 * certificate" although NODE_EXTRA_CA_CERTS is set and readable (measured in code-server 4.100.3
 * on Node 20; a plain Node with the same environment connects). Off, they connect.
 */
export const SANDBOX_EDITOR_TLS_SETTINGS: Readonly<Record<string, unknown>> = { 'http.systemCertificates': false };
