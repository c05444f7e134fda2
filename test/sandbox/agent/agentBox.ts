import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EC2Client, Instance } from '@aws-sdk/client-ec2';
import type { AgentConfig } from '../../../src/core/agent/agentConfig';
import { agentInstallFiles, installPins } from '../../../src/core/agent/bootTools';
import { uploadBootTools } from '../../../src/core/checkpoint/bootToolsUpload';
import { readAgentSource } from '../../../src/core/agent/agentSource';
import { assembleAgentForTests } from '../../assembledAgent';
import { buildAgentUserData } from '../../../src/core/agent/agentUserData';
import type { Ec2ClientPool } from '../../../src/core/aws/ec2ClientPool';
import { terminateBox } from '../../../src/core/boxes/terminateBox';
import type { LaunchedBox } from '../../../src/core/launch/launchTypes';
import { consoleFingerprints, eventually, launchTestBox, sshPortOf, waitForState } from '../e2e/sandboxHarness';
import { startSessionOnBox } from '../../../src/core/recovery/boxSessionOps';
import { installSessionTools, readBootstrapSource, readSessionTools } from '../../../src/core/session/sessionTools';
import { connectTarget, sshExec, type SshTarget } from '../e2e/sshExec';

export const REGION = 'us-east-1';
const REPO_ROOT = path.resolve(__dirname, '../../../..');
export const AGENT = 'python3 -B ~/.spotbox/spotbox_agent.py';
/** Restore is a session tool, installed over SSH next to the agent (AgentBox.launch does, as a session start would). */
export const RESTORE = 'python3 -B ~/.spotbox/spotbox_session.py restore';

export interface JournalEvent {
  readonly time: string;
  readonly type: string;
  readonly [field: string]: unknown;
}

/** A sandbox box launched with the agent's user data, and an SSH way in (root, HOME = its disk). */
export class AgentBox {
  private constructor(
    readonly launched: LaunchedBox,
    readonly instance: Instance,
    readonly target: SshTarget,
  ) {}

  get instanceId(): string {
    return this.launched.instanceId;
  }

  static async launch(clients: Ec2ClientPool, ec2: EC2Client, config: AgentConfig, keyDirectory: string): Promise<AgentBox> {
    // As the launch does: the agent and the session tools go to the bucket, pinned in the config the bootstrap reads.
    assembleAgentForTests();
    const files = agentInstallFiles(config, config.session, await readAgentSource(REPO_ROOT), await readSessionTools());
    const pinned: AgentConfig = { ...config, install: installPins(files) };
    await uploadBootTools(config, files, { region: REGION });
    const userData = buildAgentUserData({ bootstrapSource: await readBootstrapSource(), config: pinned, user: 'ubuntu' });
    const launched = await launchTestBox(clients, { boxName: 'agentbox', region: REGION, volumeGb: 100, userData, keyDirectory });
    const [instance] = await waitForState(ec2, [launched.instanceId], 'running');
    const pinnedFingerprints = await consoleFingerprints(ec2, launched.instanceId);
    const box = new AgentBox(launched, instance, {
      host: instance.PublicIpAddress!,
      port: sshPortOf(instance),
      privateKey: fs.readFileSync(launched.privateKeyPath, 'utf8'),
      pinnedFingerprints,
    });
    await box.waitForEvent('the agent to start from user data', (event) => event.type === 'agent-started', 30_000);
    const client = await connectTarget(box.target);
    try {
      await installSessionTools(client);
    } finally {
      client.end();
    }
    return box;
  }

  /** Runs a shell command on the box; fails the test when it exits non-zero. */
  async sh(command: string, timeoutMs = 30_000): Promise<string> {
    const { stdout, stderr, code } = await sshExec(this.target, command, timeoutMs);
    assert.equal(code, 0, `${command}\nexited ${code}: ${stderr}`);
    return stdout;
  }

  async journal(): Promise<JournalEvent[]> {
    const text = await this.sh('cat ~/.spotbox/journal.jsonl 2>/dev/null || true');
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as JournalEvent);
  }

  waitForEvent(what: string, matches: (event: JournalEvent) => boolean, timeoutMs = 60_000): Promise<JournalEvent> {
    return eventually(what, async () => (await this.journal()).find(matches), timeoutMs, 300);
  }

  /** `agent checkpoint-now --wait`, the way the editor asks for a checkpoint over SSH: the journal event that answered. */
  async checkpointNow(): Promise<JournalEvent> {
    const { stdout, stderr } = await sshExec(this.target, `${AGENT} checkpoint-now --wait --timeout 90`, 120_000);
    assert.ok(stdout.trim(), `checkpoint-now printed nothing: ${stderr}`);
    return JSON.parse(stdout) as JournalEvent;
  }

  /** Copies the toy trainer onto the box (over SSH, as a user would) and starts it as the training session, the way a launch does. */
  async startTrainer(args: string): Promise<void> {
    const trainer = fs.readFileSync(path.join(REPO_ROOT, 'test', 'trainer', 'toy_trainer.py')).toString('base64');
    await this.sh(`echo ${trainer} | base64 -d > ~/toy_trainer.py`);
    const client = await connectTarget(this.target);
    try {
      assert.equal(await startSessionOnBox(client, { command: `python3 -B ~/toy_trainer.py ${args} > ~/trainer.log 2>&1`, workingDir: '~' }), 'started');
    } finally {
      client.end();
    }
  }

  /** sha256 of files below a folder of the box, by path relative to it. */
  async sha256s(folder: string, paths: readonly string[]): Promise<Record<string, string>> {
    const output = await this.sh(`cd ${folder} && sha256sum ${paths.map((p) => `'${p}'`).join(' ')}`);
    return Object.fromEntries(output.trim().split('\n').map((line) => [line.slice(66), line.slice(0, 64)]));
  }

  async terminate(clients: Ec2ClientPool, ec2: EC2Client): Promise<void> {
    await terminateBox(clients, this.launched);
    await waitForState(ec2, [this.instanceId], 'terminated');
  }
}

/** Events of one type, in journal order. */
export function eventsOf(journal: readonly JournalEvent[], type: string): JournalEvent[] {
  return journal.filter((event) => event.type === type);
}
