/**
 * Editor settings for a VS Code pointed at the sandbox: the extension host must trust the
 * sandbox's test CA (Azure's ARM, Entra ID and Blob speak HTTPS), which the sandbox's environment
 * names in NODE_EXTRA_CA_CERTS. VS Code's `http.systemCertificates` (on by default) adds the OS's
 * CAs to every TLS connection of the extension host — for `fetch` as an explicit `ca` list, for
 * `https` through SecureContext.addCACert, which on Node 20 copies the root store without the
 * NODE_EXTRA_CA_CERTS certificates — so the test CA would be dropped ("unable to verify the first
 * certificate", measured in code-server 4.100.3). Off, Node's own store (its roots plus
 * NODE_EXTRA_CA_CERTS, which the sandbox makes the system bundle plus its CA) is used as is.
 */
export const SANDBOX_EDITOR_TLS_SETTINGS: Readonly<Record<string, unknown>> = { 'http.systemCertificates': false };
