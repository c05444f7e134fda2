/**
 * Azure Storage's data-plane RBAC in front of Azurite (which has none): the advertised Blob URL is
 * this HTTPS proxy. A bearer token whose `oid` is a managed identity (a VM's or scale set's
 * principalId) needs "Storage Blob Data Contributor" or "Storage Blob Data Owner" ("… Reader" for
 * reads) on the account, its group or the subscription — else 403 `AuthorizationPermissionMismatch`
 * in Blob's XML, as Azure answers. Owner/Contributor grant no data access, as on Azure. The service
 * principal's tokens, shared key and SAS requests go to Azurite as they come (it checks them).
 */
import { randomUUID } from 'node:crypto';
import * as https from 'node:https';
import type * as http from 'node:http';
import { HttpsServer } from '../http/httpsServer';
import type { TestCertificates } from '../tls/testCertificates';

export interface BlobRoles {
  /** The storage account's resource id (the innermost scope an assignment can name). */
  readonly accountScope: string;
  isManagedIdentity(objectId: string): boolean;
  rolesOn(objectId: string, scope: string): string[];
}

const WRITERS = ['Storage Blob Data Contributor', 'Storage Blob Data Owner'];
const READERS = [...WRITERS, 'Storage Blob Data Reader'];

export class BlobRoleProxy {
  private readonly server: HttpsServer;

  /** `roles` is asked per request (ARM starts after Blob); undefined lets everything through. */
  constructor(private readonly certificates: TestCertificates, private readonly azuriteUrl: string, private readonly roles: () => BlobRoles | undefined) {
    this.server = new HttpsServer(certificates, (req, res) => this.handle(req, res));
  }

  start(port?: number): Promise<{ url: string }> {
    return this.server.start(port);
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const objectId = bearerObjectId(req.headers.authorization);
    const roles = this.roles();
    if (objectId && roles?.isManagedIdentity(objectId)) {
      const held = roles.rolesOn(objectId, roles.accountScope);
      const needed = req.method === 'GET' || req.method === 'HEAD' ? READERS : WRITERS;
      if (!held.some((role) => needed.includes(role))) {
        req.resume();
        const requestId = randomUUID();
        res.writeHead(403, { 'Content-Type': 'application/xml', 'x-ms-error-code': 'AuthorizationPermissionMismatch', 'x-ms-request-id': requestId, 'x-ms-version': '2021-08-06' });
        res.end(`<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthorizationPermissionMismatch</Code><Message>This request is not authorized to perform this operation using this permission.\nRequestId:${requestId}\nTime:${new Date().toISOString()}</Message></Error>`);
        return;
      }
    }
    await new Promise<void>((resolve) => {
      // The Host header goes as it came: Azurite writes it into the URLs it answers (lists).
      const upstream = https.request(`${this.azuriteUrl}${req.url ?? '/'}`, { method: req.method, headers: req.headers, ca: this.certificates.ca }, (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
        reply.on('end', resolve);
      });
      upstream.on('error', (error) => {
        if (!res.headersSent) {
          res.writeHead(502, { 'Content-Type': 'text/plain' });
        }
        res.end(`Azurite did not answer: ${error.message}`);
        resolve();
      });
      req.pipe(upstream);
    });
  }
}

/** The `oid` claim of a bearer token (unverified: Azurite checks the token itself). */
function bearerObjectId(header: string | undefined): string | undefined {
  const token = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
  try {
    const claims = JSON.parse(Buffer.from(token?.split('.')[1] ?? '', 'base64url').toString('utf8')) as { oid?: unknown };
    return typeof claims.oid === 'string' ? claims.oid : undefined;
  } catch {
    return undefined;
  }
}
