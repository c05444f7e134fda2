/**
 * The sandbox's own certificate authority and the server certificate every Azure server of the
 * sandbox presents (ARM, the Entra token endpoint, Azurite). Azure's SDKs refuse bearer tokens over
 * plain http://, so the sandbox speaks HTTPS like Azure; clients trust it through
 * NODE_EXTRA_CA_CERTS (Node) or a bundle of the system CAs plus this CA (Python's requests, curl).
 * Made once with openssl and kept in `<sandbox>/azure/tls/`, so that trust set up by an earlier
 * run (an editor's environment, a shell's exports) stays valid after a restart.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TestCertificates {
  /** The test CA alone (PEM). */
  readonly caFile: string;
  /** The server certificate and its key (PEM), for 127.0.0.1 and localhost. */
  readonly certFile: string;
  readonly keyFile: string;
  /** The system's CAs followed by the test CA: for REQUESTS_CA_BUNDLE / SSL_CERT_FILE. */
  readonly bundleFile: string;
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/** Where Debian and Ubuntu keep the system trust store as one file. */
const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export function loadOrCreateTestCertificates(directory: string): TestCertificates {
  fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
  const caFile = path.join(directory, 'ca.pem');
  const caKey = path.join(directory, 'ca-key.pem');
  const certFile = path.join(directory, 'server.pem');
  const keyFile = path.join(directory, 'server-key.pem');
  if (!fs.existsSync(caFile) || !fs.existsSync(caKey)) {
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650', '-keyout', caKey, '-out', caFile,
      '-subj', '/O=Spotbox sandbox/CN=Spotbox Sandbox Test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    fs.rmSync(certFile, { force: true });
  }
  if (!fs.existsSync(certFile) || !fs.existsSync(keyFile)) {
    const request = path.join(directory, 'server.csr');
    const extensions = path.join(directory, 'server.ext');
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-keyout', keyFile, '-out', request, '-subj', '/O=Spotbox sandbox/CN=127.0.0.1']);
    fs.writeFileSync(extensions, [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '',
    ].join('\n'));
    openssl(['x509', '-req', '-in', request, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-days', '825', '-sha256', '-extfile', extensions, '-out', certFile]);
    fs.rmSync(request, { force: true });
  }
  const ca = fs.readFileSync(caFile, 'utf8');
  const bundleFile = path.join(directory, 'bundle.pem');
  // Rewritten at every start: the system store may have changed since.
  const system = fs.existsSync(SYSTEM_BUNDLE) ? fs.readFileSync(SYSTEM_BUNDLE, 'utf8') : '';
  fs.writeFileSync(bundleFile, `${system}${system.endsWith('\n') || !system ? '' : '\n'}${ca}`);
  return { caFile, certFile, keyFile, bundleFile, cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8'), ca };
}

/**
 * The file for NODE_EXTRA_CA_CERTS: the test CA alone, or, when the environment already names
 * extra CAs, one bundle of those and the test CA (Node reads a single file), so nothing is lost.
 */
export function nodeExtraCaFile(certificates: TestCertificates, existing = process.env.NODE_EXTRA_CA_CERTS): string {
  if (!existing || path.resolve(existing) === certificates.caFile || !fs.existsSync(existing)) {
    return certificates.caFile;
  }
  const combined = path.join(path.dirname(certificates.caFile), 'node-extra-ca.pem');
  if (path.resolve(existing) === combined) {
    return combined;
  }
  const before = fs.readFileSync(existing, 'utf8');
  fs.writeFileSync(combined, `${before}${before.endsWith('\n') ? '' : '\n'}${certificates.ca}`);
  return combined;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
