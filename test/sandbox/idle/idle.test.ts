import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { ClientChannel } from 'ssh2';
import { resolveBoxEndpoint } from '../../../src/core/attach/boxEndpoint';
import { connectEndpoint } from '../../../src/core/attach/connectEndpoint';
import { TAGS } from '../../../src/core/aws/spotboxTags';
import type { Box } from '../../../src/core/boxes/box';
import { terminateBox } from '../../../src/core/boxes/terminateBox';
import { ec2HygieneCloud } from '../../../src/core/hygiene/ec2HygieneCloud';
import { releaseSessionResources } from '../../../src/core/hygiene/releaseSessionResources';
import { activityReportOf, type ActivityReport } from '../../../src/core/idle/activityReport';
import { confirmBoxIdle, sampleBoxUse } from '../../../src/core/idle/boxUseCheck';
import { endIdleBox, type EndIdleBoxPorts } from '../../../src/core/idle/endIdleBox';
import { samePeriod, type IdleDecision, type IdleLimits } from '../../../src/core/idle/idlePolicy';
import { IdleWatch } from '../../../src/core/idle/idleWatch';
import { silentLogger } from '../../../src/core/logging/logger';
import { JournalTail } from '../../../src/core/recovery/journalTail';
import type { SpotboxProfile } from '../../../src/core/profile/profileTypes';
import { systemClock } from '../../../src/core/time/clock';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { eventually, startTestSandbox, stopTestSandbox, tempDir, TEST_OWNER_ID } from '../e2e/sandboxHarness';
import { REGION, RecoveryRig, trainerProfile } from '../recovery/recoveryHarness';

describe('Idle stop (src/core/idle) against the sandbox cloud: the agent reports activity, the policy ends the box', function () {
  this.timeout(240_000);
  let directory: string;
  let sandbox: RunningSandbox | undefined;
  let rig: RecoveryRig;
  const tails: JournalTail[] = [];

  before(async () => {
    directory = tempDir('spotbox-idle-');
    sandbox = await startTestSandbox(directory);
    rig = new RecoveryRig(directory);
  });

  after(async () => {
    tails.splice(0).forEach((tail) => tail.stop());
    // Whatever a failed scenario left running goes, with what its launch created.
    await rig?.releaseAll();
    rig?.dispose();
    await stopTestSandbox(sandbox, directory);
  });

  /** A box with the agent but no training session: only SSH and the host's CPU make it busy. */
  function idleProfile(): SpotboxProfile {
    const profile: SpotboxProfile = { ...trainerProfile('idle-stop'), idleStopMinutes: 1, checkpoint: { bucket: 'spotbox-sandbox', prefix: 'e2e-idle', directory: '~/ckpt' } };
    delete (profile as { session?: unknown }).session;
    return profile;
  }

  /**
   * endIdleBox as registerIdleStop wires it: the editor's own SSH sample right before a policy
   * termination (CPU 100 %: the sandbox box reads the host's /proc/stat, which other work keeps busy).
   */
  function endPorts(warnings: string[] = []): EndIdleBoxPorts {
    return {
      lineages: rig.lineages,
      terminate: (target) => terminateBox(rig.clients, target),
      release: async (target) => {
        const released = await releaseSessionResources(ec2HygieneCloud(rig.clients), { region: REGION, sessionId: target.sessionId!, ownerId: TEST_OWNER_ID, keyDirectory: rig.keyDirectory, logger: silentLogger });
        assert.deepEqual(released.failed, []);
      },
      confirmIdle: (target) => confirmBoxIdle({ editorUse: () => [], sample: () => rig.withBox(target, (client) => sampleBoxUse(client, { sampleSeconds: 1 })), busyPercent: 100 }),
      logger: { ...silentLogger, warn: (message) => void warnings.push(message) },
    };
  }

  /** The editor's side: the journal followed over SSH (an exec channel that must not count as a user). */
  function follow(box: Box, onReport: (report: ActivityReport) => void): void {
    const tail = new JournalTail({
      connect: async () => connectEndpoint(await resolveBoxEndpoint(rig.clients, box, { keyDirectory: rig.keyDirectory, defaultUser: 'ubuntu' }), { retries: 2 }),
      boxAlive: async () => (await rig.box(box.instanceId))?.state === 'running',
      onEvent: (event) => {
        const report = activityReportOf(event);
        if (report) {
          onReport(report);
        }
      },
      initialBackoffMs: 200,
    });
    tails.push(tail);
    tail.start();
  }

  it('counts an interactive session and a running command, not the journal tail; grows idle time without them; then terminates the box and releases its launch', async () => {
    // idleCpuPercent 100: the sandbox box reads the host's /proc/stat, which other work on this machine keeps busy.
    const record = await rig.launch(idleProfile(), { tuning: { idleReportSeconds: 2, idleCpuPercent: 100 } });
    assert.equal(record.idleStopMinutes, 1, 'the lineage keeps the profile\'s idleStopMinutes');
    const box = (await rig.box(record.currentInstanceId))!;
    assert.ok(box.sessionId);

    const reports: ActivityReport[] = [];
    const decisions: IdleDecision[] = [];
    // Seconds instead of minutes: warn after 8 idle seconds, terminate 4 s after the warning.
    const limits: IdleLimits = { stopAfterMs: 12_000, warnBeforeMs: 4_000, freshForMs: 60_000 };
    const watch = new IdleWatch(systemClock, (_boxId, decision) => decisions.push(decision), 200);
    // From the first report of the terminal on: the box may have idled a while between boot and now.
    let policyOn = false;
    follow(box, (report) => {
      reports.push(report);
      policyOn ||= report.sshSessions > 0;
      if (policyOn) {
        watch.report(box.instanceId, report, limits);
      }
    });
    const reportAfter = (since: number, what: string, test: (report: ActivityReport) => boolean, timeoutMs = 20_000): Promise<ActivityReport> =>
      eventually(what, async () => reports.find((report) => report.time > since && test(report)), timeoutMs, 100);

    // A terminal with a pty, as `ssh box` or Spotbox's Open SSH Terminal opens it.
    const client = await connectEndpoint(await resolveBoxEndpoint(rig.clients, box, { keyDirectory: rig.keyDirectory, defaultUser: 'ubuntu' }), { retries: 6 });
    let shell: ClientChannel | undefined;
    try {
      shell = await new Promise<ClientChannel>((resolve, reject) => client.shell({ term: 'xterm-256color', cols: 80, rows: 24 }, (error, stream) => (error ? reject(error) : resolve(stream))));
      shell.resume();
      const opened = Date.now();
      const busy = await reportAfter(opened + 500, 'a report of the terminal session', (report) => report.sshSessions >= 1);
      assert.equal(busy.sshSessions, 1, 'the terminal counts; the journal tail, connected all along, does not');
      assert.equal(busy.idleSeconds, 0);
      assert.equal(busy.gpuPercent, undefined, 'no nvidia-smi in the sandbox');
      assert.ok(typeof busy.cpuPercent === 'number' && busy.cpuPercent >= 0 && busy.cpuPercent <= 100, `cpuPercent ${busy.cpuPercent}`);
    } finally {
      shell?.end('exit\n');
      client.end();
    }
    const closed = Date.now();
    await reportAfter(closed + 500, 'a report without the terminal', (report) => report.sshSessions === 0);

    // A command without a pty, as Remote-SSH's `ssh -T box bash` runs: a user too. The CPU loop it
    // leaves behind (not under any SSH connection) shows in cpuPercent.
    const commandStarted = Date.now();
    const command = rig.run(box, 'nohup timeout 6 sh -c "while :; do :; done" >/dev/null 2>&1 & sleep 5; echo done');
    await reportAfter(commandStarted + 500, 'a report of the running command', (report) => report.sshSessions === 1);
    const loaded = await reportAfter(commandStarted + 2_500, 'a report of the busy loop', (report) => (report.cpuPercent ?? 0) >= 70 / os.cpus().length);
    assert.ok(loaded.cpuPercent! >= 70 / os.cpus().length, `one busy core of ${os.cpus().length} shows (${loaded.cpuPercent} %)`);
    assert.equal(await command, 'done');

    // Nobody on the box now: idle time grows from report to report, and the policy warns, then terminates.
    const idleFrom = Date.now();
    const first = await reportAfter(idleFrom + 500, 'an idle report', (report) => report.sshSessions === 0 && report.idleSeconds > 0);
    const later = await reportAfter(first.time, 'a later idle report', (report) => report.sshSessions === 0 && report.idleSeconds > first.idleSeconds);
    assert.ok(later.idleSeconds - first.idleSeconds >= (later.time - first.time) / 1000 - 0.2, 'one idle period, counted up with the clock');
    await eventually('the policy to decide on termination', async () => (decisions.some((decision) => decision.kind === 'terminate') ? true : undefined), 60_000, 200);
    assert.deepEqual(
      decisions.map((decision) => decision.kind),
      ['warn', 'terminate'],
    );
    tails.splice(0).forEach((tail) => tail.stop());
    watch.dispose();

    // The policy's decision, checked by the editor itself first: nobody is on the box, so it goes.
    const decided = decisions.find((decision) => decision.kind === 'terminate');
    const warnings: string[] = [];
    const result = await endIdleBox(box, endPorts(warnings), decided?.kind === 'terminate' ? decided.period : undefined);
    assert.equal(result, 'terminated', warnings.join('\n'));
    assert.equal((await rig.lineages.get(record.lineage))?.ended, true, 'recovery will not bring it back');
    assert.notEqual((await rig.box(box.instanceId))?.state, 'running');
    const left = (await ec2HygieneCloud(rig.clients).listTagged(REGION)).filter((resource) => resource.tags[TAGS.session] === box.sessionId);
    assert.deepEqual(left.map((resource) => `${resource.kind} ${resource.id}`), [], 'nothing of the box\'s launch is left');
    assert.deepEqual(fs.readdirSync(rig.keyDirectory).filter((name) => box.keyName && name.startsWith(box.keyName)), [], 'its private key is gone too');
  });
  it('forged activity lines reporting hours of idleness do not terminate a box the editor\'s own check finds in use', async () => {
    // The agent reports once an hour: the only activity lines here are the forged ones.
    const record = await rig.launch(idleProfile(), { tuning: { idleReportSeconds: 3600, idleCpuPercent: 100 } });
    const box = (await rig.box(record.currentInstanceId))!;
    const decisions: IdleDecision[] = [];
    const limits: IdleLimits = { stopAfterMs: 12_000, warnBeforeMs: 2_000, freshForMs: 60_000 };
    const watch = new IdleWatch(systemClock, (_boxId, decision) => decisions.push(decision), 200);
    follow(box, (report) => watch.report(box.instanceId, report, limits));
    const decision = (kind: IdleDecision['kind']): Promise<IdleDecision> => eventually(`a ${kind} decision`, async () => decisions.find((candidate) => candidate.kind === kind), 30_000, 100);

    // The user is at work in a terminal while some process on the box claims it has idled for two hours.
    const client = await connectEndpoint(await resolveBoxEndpoint(rig.clients, box, { keyDirectory: rig.keyDirectory, defaultUser: 'ubuntu' }), { retries: 6 });
    const idleSince = Date.now() - 2 * 3600_000;
    const forge = (): Promise<string> => {
      const now = Date.now();
      const line = JSON.stringify({ time: new Date(now).toISOString(), type: 'activity', sshSessions: 0, cpuPercent: 0.4, idleSeconds: Math.round((now - idleSince) / 100) / 10 });
      return rig.run(box, `echo '${line}' >> ~/.spotbox/journal.jsonl`);
    };
    try {
      const shell = await new Promise<ClientChannel>((resolve, reject) => client.shell({ term: 'xterm-256color', cols: 80, rows: 24 }, (error, stream) => (error ? reject(error) : resolve(stream))));
      shell.resume();
      await forge();
      const warned = await decision('warn');
      await eventually('the warning to run out', async () => (warned.kind === 'warn' && Date.now() > warned.terminateAt ? true : undefined), 30_000, 100);
      await forge();
      const decided = await decision('terminate');
      assert.ok(decided.kind === 'terminate' && warned.kind === 'warn' && samePeriod(decided.period, warned.period), 'one forged idle period');

      const warnings: string[] = [];
      const result = await endIdleBox(box, endPorts(warnings), decided.kind === 'terminate' ? decided.period : undefined);
      assert.equal(result, 'in-use');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /the box's journal reported it idle, but Spotbox's own check finds it in use \(1 SSH session on the box\); not terminated/);
      assert.equal((await rig.box(box.instanceId))?.state, 'running', 'the box was not terminated');
      assert.equal((await rig.lineages.get(record.lineage))?.ended, undefined, 'nor marked ended');
      shell.end('exit\n');
    } finally {
      client.end();
      watch.dispose();
    }
  });
});
