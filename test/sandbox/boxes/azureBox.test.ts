/**
 * Real Azure boxes from LocalBoxHost (needs root): SSH as the admin user with the host key pinned
 * from a #cloud-config's ssh_keys, the VM name as host name, IMDS reached from inside the box
 * through AZURE_POD_IDENTITY_AUTHORITY_HOST (curl and @azure/identity), Scheduled Events changing
 * with the emulator's view and the box's acknowledgement reaching the listener, customData run
 * once per instance, the console's host key block, and eviction (SIGTERM, then gone).
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'ssh2';
import type { AzureMetadataView, AzureScheduledEvent, BoxAddress, BoxSpec, SshHostPublicKey } from '../../../sandbox/contract';
import { fingerprintsFromConsole } from '../../../sandbox/boxes/cloudInit';
import { LocalBoxHost } from '../../../sandbox/boxes/localBoxHost';
import { listPids } from '../../../sandbox/boxes/procfs';

interface AzureTestBox {
  readonly id: string;
  readonly spec: BoxSpec;
  address: BoxAddress;
  view: AzureMetadataView;
  ready: Promise<readonly SshHostPublicKey[]>;
  readonly started: string[][];
}

function fingerprintOf(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
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

describe('boxes/LocalBoxHost: Azure boxes (real sshd, IMDS, cloud-init customData)', function () {
  this.timeout(60000);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-azure-boxes-'));
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-azure-keys-'));
  let host: LocalBoxHost;
  let loginKey: Buffer;
  let loginPublicKey: string;
  let hostPrivateKey: string;
  let hostPublicKey: string;
  let hostFingerprint: string;
  let pinned: AzureTestBox;
  let counter = 0;

  function cloudConfig(firstBootScript: string): string {
    const indented = hostPrivateKey.trimEnd().split('\n').map((line) => `    ${line}`);
    return [
      '#cloud-config', 'ssh_deletekeys: true', 'ssh_genkeytypes: []', 'ssh_keys:', '  ed25519_private: |', ...indented, `  ed25519_public: ${JSON.stringify(hostPublicKey)}`,
      'write_files:', '  - path: /var/lib/spotbox/first-boot.sh', "    permissions: '0700'", '    owner: root:root', '    encoding: b64',
      `    content: ${Buffer.from(firstBootScript).toString('base64')}`, 'runcmd:', '  - [ /var/lib/spotbox/first-boot.sh ]', '',
    ].join('\n');
  }

  async function boot(name: string, customData: string, id = `azvm-${process.pid}-${++counter}`): Promise<AzureTestBox> {
    const spec: BoxSpec = {
      instanceId: id, region: 'eastus', availabilityZone: 'eastus', instanceType: 'Standard_NC4as_T4_v3', lifecycle: 'spot',
      amiId: 'Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest', loginUser: 'azureuser', authorizedKey: loginPublicKey,
      httpTokens: 'optional', bootDelayMs: 100, environment: {},
      azure: {
        subscriptionId: '00000000-0000-4000-8000-000000000001', resourceGroup: `spotbox-${name}`, vmName: name, vmId: `8f2d7c1e-5b3a-4e9f-a1c2-${String(counter).padStart(12, '0')}`,
        location: 'eastus', vmSize: 'Standard_NC4as_T4_v3', priority: 'Spot', evictionPolicy: 'Delete', maxPrice: -1, tags: { 'spotbox:owner': 'test' },
        customDataBase64: Buffer.from(customData).toString('base64'), identity: { principalId: '11111111-2222-4333-8444-555555555555', tenantId: '99999999-8888-4777-8666-555555555555' },
      },
    };
    return bootSpec(spec);
  }

  async function bootSpec(spec: BoxSpec): Promise<AzureTestBox> {
    let readyResolve!: (keys: readonly SshHostPublicKey[]) => void;
    const box: AzureTestBox = {
      id: spec.instanceId, spec, address: undefined as unknown as BoxAddress, started: [],
      ready: new Promise((resolve) => (readyResolve = resolve)),
      view: {
        scheduledEvents: { DocumentIncarnation: 1, Events: [] },
        managedIdentityToken: (resource) => ({ access_token: `sandbox-token:${spec.azure!.vmName}:${resource}`, expires_on: String(Math.floor(Date.now() / 1000) + 3600), expires_in: '3600', resource, token_type: 'Bearer' }),
      },
    };
    box.address = await host.boot(spec, () => ({ azure: box.view }), {
      onSshReady: (_id, keys) => readyResolve(keys ?? []),
      onScheduledEventsStarted: (_id, ids) => box.started.push([...ids]),
    });
    return box;
  }

  function connect(box: AzureTestBox, username = 'azureuser', expectedFingerprint?: string): Promise<Client> {
    // Pinned: that key only; otherwise any key the console printed, as a careful client reads it.
    const expected = expectedFingerprint ? [expectedFingerprint] : fingerprintsFromConsole(host.consoleOutput(box.id)).map((f) => f.fingerprint);
    assert.ok(expected.length > 0, 'the console shows host key fingerprints');
    return new Promise((resolve, reject) => {
      const client = new Client();
      client.once('ready', () => resolve(client));
      client.once('error', reject);
      client.connect({
        host: box.address.ip, port: box.address.sshPort, username, privateKey: loginKey, readyTimeout: 10000,
        hostVerifier: (key: Buffer) => expected.includes(fingerprintOf(key)),
      });
    });
  }

  async function sh(box: AzureTestBox, command: string): Promise<string> {
    const client = await connect(box);
    try {
      const { out, code } = await run(client, command);
      assert.equal(code, 0, `${command} -> ${out}`);
      return out;
    } finally {
      client.end();
    }
  }

  before(async function () {
    if (process.getuid?.() !== 0) {
      this.skip();
    }
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test@spotbox', '-f', path.join(keyDir, 'id')]);
    loginKey = fs.readFileSync(path.join(keyDir, 'id'));
    loginPublicKey = fs.readFileSync(path.join(keyDir, 'id.pub'), 'utf8').trim();
    // The host key a Spotbox launch makes and pins before the VM exists.
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'root@trainer-1', '-f', path.join(keyDir, 'host')]);
    hostPrivateKey = fs.readFileSync(path.join(keyDir, 'host'), 'utf8');
    hostPublicKey = fs.readFileSync(path.join(keyDir, 'host.pub'), 'utf8').trim();
    hostFingerprint = fingerprintOf(Buffer.from(hostPublicKey.split(' ')[1], 'base64'));
    host = new LocalBoxHost({ stateDir, forcePerBoxPort: true, scheduledEventsFirstCallDelayMs: 1500 });
    const firstBoot = ['#!/bin/sh', 'echo "ran as $(id -un) in $(pwd) imds=$AZURE_POD_IDENTITY_AUTHORITY_HOST" >> /home/azureuser/first-boot.txt', ''].join('\n');
    pinned = await boot('trainer-1', cloudConfig(firstBoot));
  });

  after(async () => {
    await host?.stopAll();
    const leftovers = listPids().filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(stateDir);
      } catch {
        return false;
      }
    });
    fs.rmSync(stateDir, { recursive: true, force: true });
    fs.rmSync(keyDir, { recursive: true, force: true });
    assert.deepEqual(leftovers, [], 'no box process survives the test run');
  });

  it('presents exactly the host key injected through #cloud-config ssh_keys, pinned from the start, and prints it on the console', async () => {
    const keys = await pinned.ready;
    assert.deepEqual(keys, [{ algorithm: 'ssh-ed25519', blobBase64: hostPublicKey.split(' ')[1] }], 'no other host key was generated');
    const client = await connect(pinned, 'azureuser', hostFingerprint);
    client.end();
    const text = host.consoleOutput(pinned.id);
    assert.deepEqual(fingerprintsFromConsole(text), [{ fingerprint: hostFingerprint, label: 'ED25519' }]);
    assert.ok(text.includes(`-----BEGIN SSH HOST KEY KEYS-----\n${hostPublicKey.split(' ').slice(0, 2).join(' ')} root@trainer-1\n-----END SSH HOST KEY KEYS-----`));
    assert.match(text, /Linux version \S+-azure /);
    assert.match(text, /ci-info: \|\s+eth0\s+\|/);
    assert.match(text, /^trainer-1 login: $/m);
  });

  it('logs in as the admin user with the osProfile key; the host name is the VM name; root is refused', async () => {
    await pinned.ready;
    const out = await sh(pinned, 'hostname; id -un; pwd; getent hosts trainer-1; sudo -n true && echo sudo-ok');
    const [hostname, user, cwd, hosts] = out.trim().split('\n');
    assert.equal(hostname, 'trainer-1');
    assert.equal(user, 'azureuser');
    assert.equal(cwd, '/home/azureuser');
    assert.match(hosts, new RegExp(`^${pinned.address.ip.replace(/\./g, '\\.')}\\s+trainer-1\\.\\w+\\.bx\\.internal\\.cloudapp\\.net\\s+trainer-1$`));
    assert.match(out, /sudo-ok/);
    await assert.rejects(connect(pinned, 'root', hostFingerprint), /authentication methods failed/);
  });

  it('ran the write_files + runcmd first-boot script once, as root from /, and keeps customData at /var/lib/waagent/CustomData for root only', async () => {
    await pinned.ready;
    const firstBoot = path.join(host.boxDir(pinned.id), 'disk', 'first-boot.txt');
    const deadline = Date.now() + 10000;
    while (!fs.existsSync(firstBoot) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(fs.readFileSync(firstBoot, 'utf8'), `ran as root in / imds=${pinned.address.imdsEndpoint}\n`);
    const customData = await sh(pinned, 'sudo -n cat /var/lib/waagent/CustomData; stat -c %a /var/lib/waagent/CustomData; cat /var/lib/waagent/CustomData >/dev/null 2>&1 || echo user-cannot-read');
    assert.ok(customData.startsWith('#cloud-config\nssh_deletekeys: true\n'));
    assert.match(customData, /^600\nuser-cannot-read\n$/m);
    assert.ok(!fs.existsSync('/var/lib/spotbox/first-boot.sh') && !fs.existsSync('/var/lib/waagent/CustomData'), "the box's files stay in the box");
  });

  // @azure/identity's own client is checked against the same server in azureImdsServer.test.ts: the
  // repository (its node_modules) need not be readable by the box's login user (CI clones it 0700).
  it('answers IMDS inside the box at AZURE_POD_IDENTITY_AUTHORITY_HOST: instance metadata and the managed identity token', async () => {
    await pinned.ready;
    const out = await sh(pinned, [
      'curl -s -H Metadata:true "$AZURE_POD_IDENTITY_AUTHORITY_HOST/metadata/instance/compute/name?api-version=2021-02-01&format=text"; echo',
      'curl -s -o /dev/null -w "%{http_code}\\n" "$AZURE_POD_IDENTITY_AUTHORITY_HOST/metadata/instance?api-version=2021-02-01"',
    ].join('; '));
    assert.deepEqual(out.trim().split('\n'), ['trainer-1', '400']);
    const reply = await sh(pinned, 'curl -s -H Metadata:true "$AZURE_POD_IDENTITY_AUTHORITY_HOST/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://storage.azure.com/"');
    const token = String((JSON.parse(reply) as { access_token?: string }).access_token);
    assert.equal(token.trim(), 'sandbox-token:trainer-1:https://storage.azure.com/');
  });

  it('serves Scheduled Events from the view (first call waits), and the box acknowledging an eviction reaches the listener', async () => {
    const box = await boot('events-1', '#!/bin/sh\ntrue\n');
    await box.ready;
    const url = '"$AZURE_POD_IDENTITY_AUTHORITY_HOST/metadata/scheduledevents?api-version=2020-07-01"';
    const first = await sh(box, `curl -s -H Metadata:true -w "\\n%{time_total}" ${url}`);
    const [doc, seconds] = first.trim().split('\n');
    assert.deepEqual(JSON.parse(doc), { DocumentIncarnation: 1, Events: [] });
    assert.ok(Number(seconds) >= 1.4, `the first call waited ${seconds} s`);
    const preempt: AzureScheduledEvent = {
      EventId: 'C7061BAC-AFDC-4513-B24B-AA5F13A16123', EventType: 'Preempt', ResourceType: 'VirtualMachine', Resources: ['events-1'], EventStatus: 'Scheduled',
      NotBefore: new Date(Date.now() + 30000).toUTCString(), Description: 'Virtual machine is being evicted', EventSource: 'Platform', DurationInSeconds: -1,
    };
    box.view = { ...box.view, scheduledEvents: { DocumentIncarnation: 2, Events: [preempt] } };
    const second = await sh(box, `curl -s -H Metadata:true -w "\\n%{time_total}" ${url}`);
    const [doc2, seconds2] = second.trim().split('\n');
    assert.deepEqual(JSON.parse(doc2), { DocumentIncarnation: 2, Events: [preempt] });
    assert.ok(Number(seconds2) < 1, 'later calls answer at once');
    const ack = await sh(box, `curl -s -o /dev/null -w "%{http_code}" -H Metadata:true -X POST -d '{"StartRequests":[{"EventId":"${preempt.EventId}"}]}' ${url}`);
    assert.equal(ack, '200');
    assert.deepEqual(box.started, [[preempt.EventId]]);
  });

  it('runs a #! customData once per instance: not again when the stopped VM boots again', async () => {
    const script = '#!/bin/sh\necho "booted $(hostname)" >> /home/azureuser/runs.txt\n';
    const box = await boot('script-1', script);
    await box.ready;
    const runs = path.join(host.boxDir(box.id), 'disk', 'runs.txt');
    const waitForRuns = async (): Promise<void> => {
      const deadline = Date.now() + 10000;
      while (!fs.existsSync(runs) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await waitForRuns();
    assert.equal(fs.readFileSync(runs, 'utf8'), 'booted script-1\n');
    await host.powerOff(box.id);
    const again = await bootSpec(box.spec);
    await again.ready;
    assert.equal(await sh(again, 'hostname'), 'script-1\n');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(fs.readFileSync(runs, 'utf8'), 'booted script-1\n', 'cloud-init ran it once per instance');
  });

  it('in loopback-ip mode (the sandbox default) has its own 127.0.0.N with sshd on :22 and IMDS on :1338', async function () {
    const loopback = new LocalBoxHost({ stateDir, scheduledEventsFirstCallDelayMs: 0 });
    if (loopback.mode !== 'loopback-ip') {
      this.skip();
    }
    const saved = host;
    host = loopback;
    try {
      const box = await boot('loopback-1', '#!/bin/sh\ntrue\n');
      await box.ready;
      assert.equal(box.address.sshPort, 22);
      assert.equal(box.address.imdsEndpoint, `http://${box.address.ip}:1338`);
      const out = await sh(box, 'echo "$AZURE_POD_IDENTITY_AUTHORITY_HOST"; curl -s -H Metadata:true "$AZURE_POD_IDENTITY_AUTHORITY_HOST/metadata/instance/network/interface/0/ipv4/ipAddress/0/privateIpAddress?api-version=2021-02-01&format=text"');
      assert.equal(out, `${box.address.imdsEndpoint}\n${box.address.ip}`);
    } finally {
      host = saved;
      await loopback.stopAll();
    }
  });

  it('evicts as Azure does: the OS gets SIGTERM (softOff), then the VM and its disk are gone (terminate)', async () => {
    const box = await boot('evicted-1', '#!/bin/sh\ntrue\n');
    await box.ready;
    await sh(box, `nohup sh -c 'trap "echo got SIGTERM > /home/azureuser/term.txt; exit 0" TERM; while :; do sleep 0.2; done' >/dev/null 2>&1 &`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const signalled = await host.softOff(box.id);
    assert.ok(signalled >= 1, `SIGTERM to ${signalled} process(es)`);
    const term = path.join(host.boxDir(box.id), 'disk', 'term.txt');
    const deadline = Date.now() + 5000;
    while (!fs.existsSync(term) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(fs.readFileSync(term, 'utf8'), 'got SIGTERM\n');
    await host.terminate(box.id);
    assert.deepEqual(host.boxPids(box.id), []);
    assert.ok(!fs.existsSync(host.boxDir(box.id)));
    assert.equal(host.consoleOutput(box.id), '');
    await assert.rejects(fetch(`${box.address.imdsEndpoint}/metadata/instance?api-version=2021-02-01`, { headers: { Metadata: 'true' } }));
  });
});
