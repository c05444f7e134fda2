import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LEDGER_VERSION, parseLedger, readLedgerFile, serializeLedger } from '../../../src/core/dashboard/ledgerFile';
import { UsageLedger } from '../../../src/core/dashboard/usageLedger';
import { silentLogger, type Logger } from '../../../src/core/logging/logger';
import { box, HOUR, session, snapshotAt, T0, withoutCloud } from './fixtures';

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (message) => lines.push(`warn ${message}`), error: (message) => lines.push(`error ${String(message)}`), child: () => logger };
  return { logger, lines };
}

describe('ledger file', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-ledger-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('round-trips sessions and reads a missing file as empty', async () => {
    const data = { sessions: [session({ interruptions: [{ kind: 'notice', time: T0 + 5 }], epochs: [{ epoch: 2, time: T0 + 9 }] })], pendingEvents: [{ instanceId: 'i-9', interruption: { kind: 'hard' as const, time: 3 } }] };
    assert.deepEqual(parseLedger(serializeLedger(data)), { data });
    assert.deepEqual(await readLedgerFile(path.join(dir, 'none.json'), silentLogger, T0), { sessions: [], pendingEvents: [] });
  });

  it('drops a nonsensical record but keeps the rest, and says so', () => {
    const good = session();
    const text = JSON.stringify({ version: LEDGER_VERSION, sessions: [good, { ...good, id: 'x', start: 'yesterday' }, { ...good, id: 'y', interruptions: [{ kind: 'meteor', time: 1 }] }], pendingEvents: [] });
    const { data, problem } = parseLedger(text);
    assert.deepEqual(data.sessions, [good]);
    assert.match(problem ?? '', /2 unreadable record/);
  });

  it('reads a session written before sessions recorded their cloud as AWS, and drops one of a cloud it does not know', () => {
    const old = withoutCloud(session());
    const gcp = session({ id: 'gce-1@0', cloud: 'gcp' });
    const { data, problem } = parseLedger(JSON.stringify({ version: LEDGER_VERSION, sessions: [old, gcp, { ...gcp, id: 'z', cloud: 'oracle' }], pendingEvents: [] }));
    assert.deepEqual(data.sessions, [session(), gcp]);
    assert.match(problem ?? '', /1 unreadable record/);
    assert.deepEqual(parseLedger(serializeLedger(data)), { data }, 'written back with the cloud, in the same format version');
  });

  it('refuses a file from another format version rather than guessing', () => {
    assert.match(parseLedger(JSON.stringify({ version: 99, sessions: [] })).problem ?? '', /format 99/);
  });
});

describe('UsageLedger', () => {
  let dir: string;
  let file: string;
  const clock = { now: () => T0 + 10 * HOUR };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-ledger-'));
    file = path.join(dir, 'global-storage', 'usage-ledger.json');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('persists sessions and events across editor restarts', async () => {
    const first = new UsageLedger({ filePath: file, logger: silentLogger, clock });
    await first.load();
    first.observe(snapshotAt(T0 + HOUR, [box()]));
    first.recordInterruption('i-1', 'notice', T0 + HOUR - 1);
    first.recordEpoch('i-1', 1, T0 + HOUR - 2);
    await first.flush();
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['usage-ledger.json'], 'no temporary file left behind');

    const second = new UsageLedger({ filePath: file, logger: silentLogger, clock });
    await second.load();
    assert.deepEqual(second.sessions, first.sessions);
    assert.deepEqual(second.sessions[0]?.interruptions, [{ kind: 'notice', time: T0 + HOUR - 1 }]);
    assert.deepEqual(second.sessions[0]?.epochs, [{ epoch: 1, time: T0 + HOUR - 2 }]);
  });

  it('applies what is recorded before the file has been read on top of it', async () => {
    const earlier = new UsageLedger({ filePath: file, logger: silentLogger, clock });
    await earlier.load();
    earlier.observe(snapshotAt(T0 + HOUR, [box()]));
    await earlier.flush();

    const ledger = new UsageLedger({ filePath: file, logger: silentLogger, clock });
    ledger.recordInterruption('i-1', 'rebalance', T0 + 30 * 60_000);
    assert.equal(ledger.loaded, false);
    assert.equal(ledger.sessions.length, 0, "nothing known before the read");
    await ledger.load();
    assert.deepEqual(ledger.sessions[0]?.interruptions, [{ kind: 'rebalance', time: T0 + 30 * 60_000 }]);
  });

  it('starts fresh from a corrupt file, keeps a copy of it, logs, and writes a sound file next', async () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '{"version":1,"sessions":[{"id":');
    const { logger, lines } = recordingLogger();
    const ledger = new UsageLedger({ filePath: file, logger, clock });
    await ledger.load();
    assert.deepEqual(ledger.sessions, []);
    const backups = fs.readdirSync(path.dirname(file)).filter((name) => name.includes('.corrupt-'));
    assert.equal(backups.length, 1);
    assert.equal(fs.readFileSync(path.join(path.dirname(file), backups[0]), 'utf8'), '{"version":1,"sessions":[{"id":');
    assert.match(lines.join('\n'), /damaged \(not JSON.*kept a copy at/);

    ledger.observe(snapshotAt(T0 + HOUR, [box()]));
    await ledger.flush();
    assert.equal(parseLedger(fs.readFileSync(file, 'utf8')).data.sessions.length, 1);
  });

  it('keeps in memory only, without overwriting, a ledger it cannot read', async () => {
    fs.mkdirSync(file, { recursive: true });
    const { logger, lines } = recordingLogger();
    const ledger = new UsageLedger({ filePath: file, logger, clock });
    await ledger.load();
    ledger.observe(snapshotAt(T0 + HOUR, [box()]));
    await ledger.flush();
    assert.equal(ledger.sessions.length, 1);
    assert.ok(fs.statSync(file).isDirectory(), 'left alone');
    assert.match(lines.join('\n'), /cannot be read/);
  });

  it('does not erase what another window wrote to the same file', async () => {
    const one = new UsageLedger({ filePath: file, logger: silentLogger, clock });
    const two = new UsageLedger({ filePath: file, logger: silentLogger, clock });
    await Promise.all([one.load(), two.load()]);
    one.observe(snapshotAt(T0 + HOUR, [box({ instanceId: 'i-one' })]));
    await one.flush();
    two.observe(snapshotAt(T0 + HOUR, [box({ instanceId: 'i-two' })]));
    await two.flush();
    const onDisk = parseLedger(fs.readFileSync(file, 'utf8')).data.sessions.map((s) => s.instanceId).sort();
    assert.deepEqual(onDisk, ['i-one', 'i-two']);
    assert.deepEqual(two.sessions.map((s) => s.instanceId).sort(), ['i-one', 'i-two'], 'the other window\'s session shows here too');
  });

  it('tells listeners when something changed, and only then', async () => {
    const ledger = new UsageLedger({ filePath: file, logger: silentLogger, clock });
    await ledger.load();
    let changes = 0;
    ledger.onDidChange(() => changes++);
    ledger.observe(snapshotAt(T0 + HOUR, [], 0.4, false));
    assert.equal(changes, 0);
    ledger.observe(snapshotAt(T0 + HOUR, [box()]));
    assert.equal(changes, 1);
    await ledger.flush();
  });
});
