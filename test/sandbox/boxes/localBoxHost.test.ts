import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'ssh2';
import { BoxAddress, BoxSpec, MetadataView } from '../../../sandbox/contract';
import { fingerprintsFromConsole } from '../../../sandbox/boxes/cloudInit';
import { LocalBoxHost } from '../../../sandbox/boxes/localBoxHost';
import { listPids } from '../../../sandbox/boxes/procfs';

/** A booted box plus what the test needs to talk to it. */
interface TestBox {
  readonly id: string;
  readonly address: BoxAddress;
  view: MetadataView;
  readonly ready: Promise<void>;
  exited?: string;
}

function fingerprintOf(key: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

function cmdlines(): string[] {
  return listPids().map((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      return '';
    }
  });
}

describe('boxes/LocalBoxHost (real sshd boxes)', function () {
  this.timeout(30000);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-boxes-'));
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-key-'));
  const hosts: LocalBoxHost[] = [];
  let privateKey: Buffer;
  let publicKey: string;
  let counter = 0;

  function newHost(forcePerBoxPort = false): LocalBoxHost {
    const host = new LocalBoxHost({ stateDir, forcePerBoxPort });
    hosts.push(host);
    return host;
  }

  async function boot(host: LocalBoxHost, overrides: Partial<BoxSpec> = {}): Promise<TestBox> {
    const id = overrides.instanceId ?? `i-0test${process.pid}x${++counter}`;
    let readyResolve!: () => void;
    const ready = new Promise<void>((resolve) => (readyResolve = resolve));
    const box: TestBox = { id, view: {}, ready, address: undefined as unknown as BoxAddress };
    const spec: BoxSpec = {
      instanceId: id,
      region: 'us-east-1',
      availabilityZone: 'us-east-1a',
      instanceType: 'g5.xlarge',
      lifecycle: 'spot',
      amiId: 'ami-0sandbox',
      loginUser: 'ubuntu',
      authorizedKey: publicKey,
      httpTokens: 'required',
      bootDelayMs: 200,
      environment: { SPOTBOX_TEST: 'with space "and quotes"' },
      ...overrides,
    };
    const address = await host.boot(spec, () => box.view, {
      onSshReady: (i) => i === id && readyResolve(),
      onBoxExited: (_i, reason) => (box.exited = reason),
    });
    Object.assign(box, { address });
    return box;
  }

  function connect(box: TestBox, host: LocalBoxHost, expected?: string, username = 'ubuntu'): Promise<Client> {
    const fingerprints = fingerprintsFromConsole(host.consoleOutput(box.id)).map((f) => f.fingerprint);
    assert.ok(fingerprints.length > 0, 'console shows host key fingerprints');
    return new Promise((resolve, reject) => {
      const client = new Client();
      client.once('ready', () => resolve(client));
      client.once('error', reject);
      client.connect({
        host: box.address.ip,
        port: box.address.sshPort,
        username,
        privateKey,
        readyTimeout: 10000,
        hostVerifier: (key: Buffer) => (expected ? [expected] : fingerprints).includes(fingerprintOf(key)),
      });
    });
  }

  function run(client: Client, command: string): Promise<{ out: string; code: number | null }> {
    return new Promise((resolve, reject) => {
      client.exec(command, (err, stream) => {
        if (err) {
          return reject(err);
        }
        let out = '';
        stream.on('data', (d: Buffer) => (out += d.toString()));
        stream.stderr.on('data', (d: Buffer) => (out += d.toString()));
        stream.on('close', (code: number | null) => resolve({ out, code }));
      });
    });
  }

  async function withSsh<T>(box: TestBox, host: LocalBoxHost, fn: (c: Client) => Promise<T>): Promise<T> {
    const client = await connect(box, host);
    try {
      return await fn(client);
    } finally {
      client.end();
    }
  }

  before(() => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test@spotbox', '-f', path.join(keyDir, 'id')]);
    privateKey = fs.readFileSync(path.join(keyDir, 'id'));
    publicKey = fs.readFileSync(path.join(keyDir, 'id.pub'), 'utf8').trim();
  });

  after(async () => {
    await Promise.all(hosts.map((h) => h.stopAll()));
    fs.rmSync(stateDir, { recursive: true, force: true });
    fs.rmSync(keyDir, { recursive: true, force: true });
    const leftovers = cmdlines().filter((c) => c.includes(stateDir));
    assert.deepStrictEqual(leftovers, [], 'no box process survives the test run');
  });

  describe('loopback-ip boxes', () => {
    let host: LocalBoxHost;
    let a: TestBox;
    let b: TestBox;

    before(async function () {
      host = newHost();
      if (host.mode !== 'loopback-ip') {
        this.skip();
      }
      const script = [
        '#!/bin/bash',
        'echo "user data ran in $(pwd) as $(whoami) with HOME=$HOME"',
        // As the product's user data does: find the login user's home through passwd, write there as that user.
        'h=$(getent passwd ubuntu | cut -d: -f6)',
        'echo "$AWS_EC2_METADATA_SERVICE_ENDPOINT" | runuser -u ubuntu -- tee "$h/user-data-was-here.txt" > /dev/null',
      ].join('\n');
      [a, b] = await Promise.all([
        boot(host, { userDataBase64: Buffer.from(script).toString('base64') }),
        boot(host, { httpTokens: 'optional' }),
      ]);
      await Promise.all([a.ready, b.ready]);
    });

    it('gives each box its own 127.0.0.N with sshd on 22 and metadata on 1338', () => {
      assert.match(a.address.ip, /^127\.0\.0\.([2-9]|\d\d+)$/);
      assert.notStrictEqual(a.address.ip, b.address.ip);
      assert.strictEqual(a.address.sshPort, 22);
      assert.strictEqual(a.address.imdsEndpoint, `http://${a.address.ip}:1338`);
    });

    it('prints real host key fingerprints and keys to the console', () => {
      const text = host.consoleOutput(a.id);
      const short = 'ip-' + a.address.ip.replace(/\./g, '-');
      assert.match(text, new RegExp(`^256 SHA256:[A-Za-z0-9+/]{43} root@${short} \\(ED25519\\)$`, 'm'));
      const keyFile = path.join(host.boxDir(a.id), 'ssh', 'ssh_host_ed25519_key.pub');
      const printed = execFileSync('ssh-keygen', ['-lf', keyFile], { encoding: 'utf8' }).split(' ')[1];
      assert.ok(fingerprintsFromConsole(text).some((f) => f.fingerprint === printed && f.label === 'ED25519'));
      assert.match(text, /^ssh-ed25519 AAAA\S+ root@ip-/m);
      assert.strictEqual(host.consoleOutput('i-unknown'), '');
    });

    it('logs in as the image user (ubuntu, uid 1000) with the box environment, HOME and cwd on the disk', async () => {
      const { out } = await withSsh(a, host, (c) =>
        run(c, 'whoami; id -u; echo "$HOME"; pwd; hostname; echo "$AWS_EC2_METADATA_SERVICE_ENDPOINT"; echo "$SPOTBOX_TEST"; stat -c %u .ssh/authorized_keys'),
      );
      assert.deepStrictEqual(out.trim().split('\n'), [
        'ubuntu', '1000', '/home/ubuntu', '/home/ubuntu', 'ip-' + a.address.ip.replace(/\./g, '-'), a.address.imdsEndpoint, 'with space "and quotes"', '1000',
      ]);
      // The box's home is its disk folder on this machine.
      const marker = `written-${Date.now()}`;
      await withSsh(a, host, (c) => run(c, `echo ${marker} > ~/marker.txt`));
      assert.strictEqual(fs.readFileSync(path.join(host.boxDir(a.id), 'disk', 'marker.txt'), 'utf8').trim(), marker);
    });

    it('gives the image user passwordless sudo, as cloud-init does', async () => {
      const { out, code } = await withSsh(a, host, (c) => run(c, 'sudo -n true && sudo -n whoami && sudo -n cat /etc/sudoers.d/90-cloud-init-users'));
      assert.strictEqual(code, 0, out);
      assert.match(out, /^root\n/);
      assert.match(out, /ubuntu ALL=\(ALL\) NOPASSWD:ALL/);
    });

    it("answers root's key with cloud-init's message and exit 142, running nothing", async function () {
      this.timeout(40000);
      const { out, code } = await (async () => {
        const client = await connect(a, host, undefined, 'root');
        try {
          return await run(client, 'touch /tmp/root-ran-this');
        } finally {
          client.end();
        }
      })();
      assert.strictEqual(code, 142);
      assert.ok(!fs.existsSync('/tmp/root-ran-this'), "root's command did not run");
      assert.match(out, /Please login as the user "ubuntu" rather than the user "root"\./);
    });

    it('refuses a user the image does not have', async () => {
      await assert.rejects(connect(a, host, undefined, 'ec2-user'), /authentication/i);
    });

    it("leaves this machine's accounts and /home as they were", () => {
      assert.doesNotMatch(fs.readFileSync('/etc/passwd', 'utf8'), /^ubuntu:x:1000:1000:ubuntu:\/home\/ubuntu:/m);
      assert.ok(!fs.existsSync('/etc/sudoers.d/90-cloud-init-users') || !/ubuntu ALL/.test(fs.readFileSync('/etc/sudoers.d/90-cloud-init-users', 'utf8')));
    });

    it('refuses a host whose key does not match the expected fingerprint', async () => {
      await assert.rejects(connect(a, host, 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'));
    });

    it('serves IMDSv2 inside the box (token flow, 401 without a token)', async () => {
      const hasCurl = (await withSsh(a, host, (c) => run(c, 'command -v curl'))).code === 0;
      const script = hasCurl
        ? [
            'E=$AWS_EC2_METADATA_SERVICE_ENDPOINT',
            'T=$(curl -s -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 60" $E/latest/api/token)',
            'curl -s -H "X-aws-ec2-metadata-token: $T" $E/latest/meta-data/instance-id; echo',
            'curl -s -o /dev/null -w "%{http_code}\\n" $E/latest/meta-data/instance-id',
            'curl -s -H "X-aws-ec2-metadata-token: $T" $E/latest/meta-data/spot/instance-action; echo',
          ].join('; ')
        : `node -e '(async()=>{const E=process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;` +
          `const t=await (await fetch(E+"/latest/api/token",{method:"PUT",headers:{"X-aws-ec2-metadata-token-ttl-seconds":"60"}})).text();` +
          `const h={"X-aws-ec2-metadata-token":t};console.log(await (await fetch(E+"/latest/meta-data/instance-id",{headers:h})).text());` +
          `console.log((await fetch(E+"/latest/meta-data/instance-id")).status);` +
          `console.log(await (await fetch(E+"/latest/meta-data/spot/instance-action",{headers:h})).text())})()'`;
      const first = (await withSsh(a, host, (c) => run(c, script))).out.trim().split('\n');
      assert.strictEqual(first[0], a.id);
      assert.strictEqual(first[1], '401');
      assert.match(first[2], /Not Found/);
      a.view = { instanceAction: { action: 'terminate', time: '2026-11-27T08:22:00Z' } };
      const second = (await withSsh(a, host, (c) => run(c, script))).out.trim().split('\n');
      assert.deepStrictEqual(JSON.parse(second[2]), { action: 'terminate', time: '2026-11-27T08:22:00Z' });
      a.view = {};
    });

    it('runs the user data script inside the box as root from /, as cloud-init does', async () => {
      const dir = host.boxDir(a.id);
      const file = path.join(dir, 'disk', 'user-data-was-here.txt');
      for (let i = 0; i < 100 && !fs.existsSync(file); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.strictEqual(fs.readFileSync(file, 'utf8').trim(), a.address.imdsEndpoint);
      const log = fs.readFileSync(path.join(dir, 'cloud-init-output.log'), 'utf8');
      assert.match(log, /user data ran in \/ as root with HOME=\/root/);
    });

    it('drops open SSH connections but keeps accepting new ones', async () => {
      const client = await connect(b, host);
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      client.on('error', () => undefined);
      assert.strictEqual(await host.dropSshConnections(b.id), 1);
      await closed;
      const { out } = await withSsh(b, host, (c) => run(c, 'echo again'));
      assert.strictEqual(out.trim(), 'again');
    });

    it('terminate kills background jobs and daemons and deletes the disk', async () => {
      const marker = `${1000 + (process.pid % 1000)}`;
      await withSsh(b, host, (c) =>
        run(c, `nohup sleep ${marker}1 >/dev/null 2>&1 & setsid sleep ${marker}2 </dev/null >/dev/null 2>&1 & (setsid sh -c "sleep ${marker}3" </dev/null >/dev/null 2>&1 &); echo started`),
      );
      await new Promise((r) => setTimeout(r, 200));
      const sleeps = (): string[] => cmdlines().filter((c) => c.startsWith(`sleep ${marker}`));
      assert.strictEqual(sleeps().length, 3, 'three background sleeps run in the box');
      const pids = host.boxPids(b.id);
      assert.ok(pids.length >= 4);
      await host.terminate(b.id);
      assert.deepStrictEqual(sleeps(), []);
      assert.deepStrictEqual(pids.filter((p) => fs.existsSync(`/proc/${p}`)), []);
      assert.ok(!fs.existsSync(host.boxDir(b.id)));
      assert.strictEqual(b.exited, undefined, 'a terminated box is not reported as exited on its own');
    });

    it('stopAll keeps the disk; a new host boots the box again with the same address and host key', async () => {
      const before = fingerprintsFromConsole(host.consoleOutput(a.id));
      const pids = host.boxPids(a.id);
      await host.stopAll();
      assert.deepStrictEqual(pids.filter((p) => fs.existsSync(`/proc/${p}`)), []);
      assert.ok(fs.existsSync(path.join(host.boxDir(a.id), 'disk', 'user-data-was-here.txt')));
      const host2 = newHost();
      const again = await boot(host2, { instanceId: a.id, previousAddress: a.address });
      await again.ready;
      assert.deepStrictEqual(again.address, a.address);
      assert.deepStrictEqual(fingerprintsFromConsole(host2.consoleOutput(a.id)), before);
      const { out } = await withSsh(again, host2, (c) => run(c, 'cat user-data-was-here.txt'));
      assert.strictEqual(out.trim(), a.address.imdsEndpoint);
      await host2.terminate(a.id);
    });

    it('terminate during the boot delay stops the boot and frees the address', async () => {
      const c = await boot(host, { bootDelayMs: 5000 });
      let ready = false;
      void c.ready.then(() => (ready = true));
      const started = Date.now();
      await host.terminate(c.id);
      assert.ok(Date.now() - started < 2000);
      assert.ok(!fs.existsSync(host.boxDir(c.id)));
      await new Promise((r) => setTimeout(r, 100));
      assert.strictEqual(ready, false);
      const d = await boot(host, { bootDelayMs: 0 });
      assert.strictEqual(d.address.ip, c.address.ip, 'the freed number is reused');
      await host.terminate(d.id);
    });

    it('reports a box whose init dies on its own', async () => {
      const c = await boot(host, { bootDelayMs: 0 });
      await c.ready;
      const init = Math.min(...host.boxPids(c.id));
      process.kill(init, 'SIGKILL');
      for (let i = 0; i < 100 && !c.exited; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.match(c.exited ?? '', /exited/);
      await host.terminate(c.id);
    });
  });

  describe('per-box-port boxes', () => {
    it('share 127.0.0.1 with a port each and still reach their own metadata', async () => {
      const host = newHost(true);
      assert.strictEqual(host.mode, 'per-box-port');
      const box = await boot(host);
      await box.ready;
      assert.strictEqual(box.address.ip, '127.0.0.1');
      assert.notStrictEqual(box.address.sshPort, 22);
      assert.match(box.address.imdsEndpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
      const { out } = await withSsh(box, host, (c) =>
        run(c, `node -e '(async()=>{const E=process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;` +
          `const t=await (await fetch(E+"/latest/api/token",{method:"PUT",headers:{"X-aws-ec2-metadata-token-ttl-seconds":"9"}})).text();` +
          `console.log(await (await fetch(E+"/latest/meta-data/instance-id",{headers:{"X-aws-ec2-metadata-token":t}})).text())})()'`),
      );
      assert.match(out, new RegExp(box.id));
      await host.terminate(box.id);
      assert.ok(!fs.existsSync(host.boxDir(box.id)));
    });
  });
});
