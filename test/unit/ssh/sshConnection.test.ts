import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { Server, utils } from 'ssh2';
import { SpotboxError, userMessageOf } from '../../../src/core/errors';
import { fingerprintOfKeyBlob } from '../../../src/core/ssh/hostKeyFingerprints';
import { HostKeyMismatchError, HostKeyPin } from '../../../src/core/ssh/hostKeyPin';
import { connectToBox, isRetryableConnectError, SshLoginRefusedError } from '../../../src/core/ssh/sshConnection';
import { generateEd25519KeyPair } from '../../../src/core/ssh/ed25519KeyPair';
import { ed25519Blob } from './sshFixtures';

describe('host key pinning', () => {
  it('accepts only a pinned key and remembers a refused one', () => {
    const pinned = ed25519Blob();
    const other = ed25519Blob();
    const pin = new HostKeyPin([pinned.fingerprint]);
    assert.equal(pin.verify(pinned.blob), true);
    assert.equal(pin.refusedFingerprint, undefined);
    assert.equal(pin.verify(other.blob), false);
    assert.equal(pin.refusedFingerprint, other.fingerprint);
    assert.equal(new HostKeyPin([]).verify(pinned.blob), false, 'nothing pinned accepts nothing');
  });

  it('explains a mismatch as a security warning and never retries it', () => {
    const error = new HostKeyMismatchError('10.0.0.5', 22, 'SHA256:presented', ['SHA256:pinned']);
    assert.match(error.message, /^SECURITY WARNING: .*10\.0\.0\.5:22.*SHA256:presented.*SHA256:pinned.*intercepting/);
    assert.equal(isRetryableConnectError(error), false);
  });

  it('retries refused connections and handshake timeouts, not authentication failures', () => {
    assert.equal(isRetryableConnectError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), true);
    assert.equal(isRetryableConnectError(Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' })), true);
    assert.equal(isRetryableConnectError(Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' })), false);
  });

  it('backs off between attempts on a refusing port, then gives up', async () => {
    const sleeps: number[] = [];
    await assert.rejects(
      connectToBox({ host: '127.0.0.1', port: 1, username: 'root', privateKey: generateEd25519KeyPair(utils, 'test').private, pinnedFingerprints: [], retries: 3, initialBackoffMs: 100, sleep: async (ms) => void sleeps.push(ms) }),
      /ECONNREFUSED/,
    );
    assert.deepEqual(sleeps, [100, 200, 400]);
  });

  it('a refused key names the user and points at sshUser, and is not retried', async () => {
    const hostKey = generateEd25519KeyPair(utils, 'test');
    const parsed = utils.parseKey(hostKey.private);
    assert.ok(!(parsed instanceof Error));
    const fingerprint = fingerprintOfKeyBlob(parsed.getPublicSSH());
    let attempts = 0;
    const server = new Server({ hostKeys: [hostKey.private] }, (client) => {
      attempts++;
      client.on('authentication', (context) => context.reject()).on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      const refused = await connectToBox({ host: '127.0.0.1', port, username: 'ubuntu', privateKey: generateEd25519KeyPair(utils, 'test').private, pinnedFingerprints: [fingerprint], retries: 3, initialBackoffMs: 10 }).then(
        () => undefined,
        (error: unknown) => error,
      );
      assert.ok(refused instanceof SshLoginRefusedError && refused instanceof SpotboxError, String(refused));
      assert.match(userMessageOf(refused), /refused the box's key for the user "ubuntu"\. Check "sshUser" in \.spotbox\/profile\.json/);
      assert.equal(attempts, 1, 'waiting does not fix a refused key');
    } finally {
      server.close();
    }
  });

  it('a box dying mid-handshake rejects once and leaves no uncaught error behind', async () => {
    // A handshake that times out makes ssh2 emit its timeout and then, as it closes the socket,
    // "Connection lost before handshake": that second error, after the attempt had settled, once
    // crashed the process.
    const held: net.Socket[] = [];
    const server = net.createServer((socket) => void held.push(socket.on('error', () => undefined)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => void uncaught.push(error);
    const mochaHandlers = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', onUncaught);
    try {
      const { port } = server.address() as net.AddressInfo;
      await assert.rejects(connectToBox({ host: '127.0.0.1', port, username: 'root', privateKey: generateEd25519KeyPair(utils, 'test').private, pinnedFingerprints: [], retries: 0, readyTimeoutMs: 200 }), /handshake/);
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      process.removeListener('uncaughtException', onUncaught);
      mochaHandlers.forEach((handler) => process.on('uncaughtException', handler));
      held.forEach((socket) => socket.destroy());
      server.close();
    }
    assert.deepEqual(uncaught.map(String), []);
  });
});
