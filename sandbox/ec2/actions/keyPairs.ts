import { createHash, createPublicKey } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ActionContext, ActionHandler } from './common';
import { matchesFilters, tagFilterValues, tagSet } from './common';
import { Ec2Error } from '../protocol/errors';
import { parseFilters, parseTagSpecifications, type Params } from '../protocol/queryParams';
import type { XmlValue } from '../protocol/xmlWriter';
import { newId, type KeyPairRecord } from '../state/store';

/**
 * ssh-keygen writes ed25519 keys in the OpenSSH container that ssh2 can read (node:crypto only
 * emits PKCS#8 PEM for ed25519, which ssh2 rejects), and RSA keys as PKCS#1 PEM like AWS does.
 */
function generateKey(type: 'rsa' | 'ed25519'): { privateKey: string; publicKey: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-key-'));
  try {
    const file = path.join(dir, 'key');
    const args = type === 'rsa' ? ['-t', 'rsa', '-b', '2048', '-m', 'PEM'] : ['-t', 'ed25519'];
    execFileSync('ssh-keygen', [...args, '-N', '', '-q', '-C', '', '-f', file], { stdio: 'ignore' });
    return { privateKey: fs.readFileSync(file, 'utf8'), publicKey: fs.readFileSync(`${file}.pub`, 'utf8').trim() };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Parses an OpenSSH public key line; returns [type, blob]. */
function parsePublicLine(line: string): { type: 'rsa' | 'ed25519'; blob: Buffer; line: string } {
  const m = /^(ssh-ed25519|ssh-rsa)\s+([A-Za-z0-9+/=]+)/.exec(line.trim());
  if (!m) throw new Ec2Error('InvalidKey.Format', 'Key is not in valid OpenSSH public key format');
  const blob = Buffer.from(m[2], 'base64');
  const len = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (len <= 0 || blob.subarray(4, 4 + len).toString() !== m[1]) {
    throw new Ec2Error('InvalidKey.Format', 'Key is not in valid OpenSSH public key format');
  }
  return { type: m[1] === 'ssh-rsa' ? 'rsa' : 'ed25519', blob, line: `${m[1]} ${m[2]}` };
}

/** The ssh-rsa blob is (string type, mpint e, mpint n); node:crypto takes it as a JWK. */
function rsaPublicDer(blob: Buffer): Buffer {
  const fields: Buffer[] = [];
  for (let off = 0; off + 4 <= blob.length && fields.length < 3; ) {
    const len = blob.readUInt32BE(off);
    fields.push(blob.subarray(off + 4, off + 4 + len));
    off += 4 + len;
  }
  if (fields.length < 3) throw new Ec2Error('InvalidKey.Format', 'Key is not in valid OpenSSH public key format');
  const strip = (b: Buffer): string => (b[0] === 0 ? b.subarray(1) : b).toString('base64url');
  return createPublicKey({ key: { kty: 'RSA', e: strip(fields[1]), n: strip(fields[2]) }, format: 'jwk' }).export({ type: 'spki', format: 'der' });
}

/**
 * AWS fingerprints: ed25519 -> base64 SHA-256 of the key blob (what `ssh-keygen -l` prints);
 * imported RSA -> colon-hex MD5 of the DER public key; created RSA keys use SHA-1 of the private
 * key on AWS, approximated here with SHA-1 of the public DER.
 */
function fingerprint(type: 'rsa' | 'ed25519', blob: Buffer, created: boolean): string {
  if (type === 'ed25519') return createHash('sha256').update(blob).digest('base64');
  const der = rsaPublicDer(blob);
  return createHash(created ? 'sha1' : 'md5').update(der).digest('hex').match(/../g)!.join(':');
}

function ensureNew(ctx: ActionContext, keyName: string): void {
  if (ctx.store.state.keyPairs.some((k) => k.region === ctx.region && k.keyName === keyName)) {
    throw new Ec2Error('InvalidKeyPair.Duplicate', `The keypair already exists`);
  }
}

function tagsFor(p: Params): Record<string, string> {
  const specs = parseTagSpecifications(p).filter((s) => s.resourceType === 'key-pair');
  return Object.assign({}, ...specs.map((s) => s.tags)) as Record<string, string>;
}

function store(ctx: ActionContext, keyName: string, type: 'rsa' | 'ed25519', publicKey: string, fp: string, tags: Record<string, string>): KeyPairRecord {
  const rec: KeyPairRecord = { keyPairId: newId('key'), keyName, region: ctx.region, keyType: type, fingerprint: fp, publicKey, createTime: ctx.clock(), tags };
  ctx.store.state.keyPairs.push(rec);
  ctx.store.save();
  return rec;
}

const createKeyPair: ActionHandler = (ctx, p) => {
  const keyName = p.required('KeyName');
  const keyType = p.str('KeyType') ?? 'rsa';
  if (keyType !== 'rsa' && keyType !== 'ed25519') throw Ec2Error.invalidValue('KeyType', keyType);
  const format = p.str('KeyFormat') ?? 'pem';
  if (format !== 'pem') throw new Ec2Error('InvalidParameterValue', `The sandbox only supports KeyFormat pem, not '${format}'.`);
  ensureNew(ctx, keyName);
  const key = generateKey(keyType);
  const parsed = parsePublicLine(key.publicKey);
  const rec = store(ctx, keyName, keyType, parsed.line, fingerprint(keyType, parsed.blob, true), tagsFor(p));
  return { keyName, keyFingerprint: rec.fingerprint, keyMaterial: key.privateKey, keyPairId: rec.keyPairId, tagSet: tagSet(rec.tags) };
};

const importKeyPair: ActionHandler = (ctx, p) => {
  const keyName = p.required('KeyName');
  const material = p.required('PublicKeyMaterial');
  // The SDK base64-encodes the blob; some clients send the raw key line.
  const decoded = /^ssh-/.test(material) ? material : Buffer.from(material, 'base64').toString('utf8');
  const parsed = parsePublicLine(decoded);
  ensureNew(ctx, keyName);
  const rec = store(ctx, keyName, parsed.type, parsed.line, fingerprint(parsed.type, parsed.blob, false), tagsFor(p));
  return { keyFingerprint: rec.fingerprint, keyName, keyPairId: rec.keyPairId, tagSet: tagSet(rec.tags) };
};

function keyXml(k: KeyPairRecord, includePublic: boolean): XmlValue {
  return {
    keyPairId: k.keyPairId,
    keyType: k.keyType,
    tagSet: tagSet(k.tags) ?? [],
    publicKey: includePublic ? k.publicKey : undefined,
    createTime: new Date(k.createTime),
    keyName: k.keyName,
    keyFingerprint: k.fingerprint,
  };
}

const describeKeyPairs: ActionHandler = (ctx, p) => {
  const names = p.strList('KeyName');
  const ids = p.strList('KeyPairId');
  const filters = parseFilters(p);
  const inRegion = ctx.store.state.keyPairs.filter((k) => k.region === ctx.region);
  for (const n of names) if (!inRegion.some((k) => k.keyName === n)) throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair '${n}' does not exist`);
  for (const id of ids) if (!inRegion.some((k) => k.keyPairId === id)) throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair '${id}' does not exist`);
  const list = inRegion
    .filter((k) => (!names.length || names.includes(k.keyName)) && (!ids.length || ids.includes(k.keyPairId)))
    .filter((k) => matchesFilters(filters, (n) => {
      if (n === 'key-name') return [k.keyName];
      if (n === 'key-pair-id') return [k.keyPairId];
      if (n === 'fingerprint') return [k.fingerprint];
      return tagFilterValues(k.tags, n);
    }));
  return { keySet: list.map((k) => keyXml(k, p.bool('IncludePublicKey') ?? false)) };
};

const deleteKeyPair: ActionHandler = (ctx, p) => {
  const name = p.str('KeyName');
  const id = p.str('KeyPairId');
  if (!name && !id) throw Ec2Error.missing('KeyName');
  const rec = ctx.store.state.keyPairs.find((k) => k.region === ctx.region && (k.keyName === name || k.keyPairId === id));
  // Like EC2, deleting an absent key pair by name succeeds.
  if (rec) {
    ctx.store.state.keyPairs = ctx.store.state.keyPairs.filter((k) => k !== rec);
    ctx.store.save();
  }
  return { return: true, keyPairId: rec?.keyPairId };
};

export function publicKeyOf(state: { keyPairs: KeyPairRecord[] }, region: string, keyName: string): string | undefined {
  return state.keyPairs.find((k) => k.region === region && k.keyName === keyName)?.publicKey;
}

export const keyPairActions: Record<string, ActionHandler> = {
  CreateKeyPair: createKeyPair,
  ImportKeyPair: importKeyPair,
  DescribeKeyPairs: describeKeyPairs,
  DeleteKeyPair: deleteKeyPair,
};
