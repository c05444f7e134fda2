/**
 * Issue 13's promise on Google Cloud, over the wire: a box kept by a managed instance group of one.
 * A real PyTorch trainer that saves on SIGTERM is preempted; the agent checkpoints to Cloud Storage
 * inside GCE's 30 s; the group recreates the VM (same name, new machine) with no editor running;
 * the new VM restores the checkpoint and restarts the session; the trainer resumes at the exact
 * step. Then Terminate Box and the sweep leave nothing behind.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Client } from 'ssh2';
import { connectEndpoint } from '../../../src/core/attach/connectEndpoint';
import type { Box } from '../../../src/core/boxes/box';
import type { GcpClients } from '../../../src/core/gcp/gcpClients';
import { groupOfInstance } from '../../../src/core/gcp/gceBoxGroup';
import { resolveGceEndpoint } from '../../../src/core/gcp/gceEndpoint';
import { terminateGceBox } from '../../../src/core/gcp/gceTerminate';
import { deleteOrphans } from '../../../src/core/hygiene/deleteOrphans';
import { findOrphans } from '../../../src/core/hygiene/findOrphans';
import { GCE_SWEEP_SCOPE, gceHygieneCloud } from '../../../src/core/hygiene/gceHygieneCloud';
import { silentLogger } from '../../../src/core/logging/logger';
import { parseProfile } from '../../../src/core/profile/parseProfile';
import { launchGceProfile, type GceProfileLaunchResult } from '../../../src/core/profileLaunch/launchGceProfile';
import { runRemoteCommand } from '../../../src/core/ssh/runRemoteCommand';
import { assembleAgentForTests } from '../../assembledAgent';
import { BOX_WORKSPACE, requireTorch, WORKSPACES } from '../recovery/recoveryHarness';
import { preemptAndWatch } from './gcpGroupWatch';
import { eventually, useGcpPipelineSandbox } from './gcpHarness';

const OWNER = 'owner-gcp-group';
const BUCKET = 'spotbox-sandbox';

describe('GCP: a box kept by a managed instance group — preemption, replacement, resume, terminate, sweep (issue 13)', function () {
  this.timeout(360_000);
  const suite = useGcpPipelineSandbox('spotbox-gce-group-');
  const control = (route: string, body: Record<string, unknown>): Promise<void> => suite.control(route, body);
  let clients: GcpClients;
  let keyDirectory: string;
  before(() => {
    ({ clients, keyDirectory } = suite);
  });
  const launch = async (name: string, command: string, prefix: string): Promise<GceProfileLaunchResult> => {
    const parsed = parseProfile(
      JSON.stringify({
        name,
        cloud: 'gcp',
        regions: ['us-central1'],
        instanceTypes: ['g2-standard-4', 'g2-standard-8'],
        maxPrice: 2,
        volumeGb: 50,
        checkpoint: { bucket: BUCKET, prefix, directory: '~/ckpt', signal: 'SIGUSR1', noticeSignal: 'SIGTERM' },
        session: { command, stepFile: '~/step' },
      }),
      'profile.json',
    );
    assert.deepEqual(parsed.problems, []);
    return launchGceProfile(
      parsed.profile!,
      { callerIp: '127.0.0.1', keyDirectory, owner: OWNER, localRoot: WORKSPACES.pytorchLoop },
      { compute: clients.compute, gcs: clients.gcs, agentSource: async () => fs.promises.readFile(path.join(assembleAgentForTests(), 'spotbox_agent.py'), 'utf8') },
      { logger: silentLogger },
    );
  };
  const connect = async (box: Box): Promise<Client> => connectEndpoint(await resolveGceEndpoint(clients.compute, box, { keyDirectory, defaultUser: 'ubuntu' }), { retries: 10 });
  const run = async (client: Client, command: string): Promise<string> => (await runRemoteCommand(client, command)).stdout;
  /** Everything labelled or named for this owner that Google still holds. */
  const leftovers = async (): Promise<string[]> => {
    const { instances } = await clients.compute.aggregatedListInstances(`(labels.spotbox-owner = "${OWNER}")`);
    const templates = (await clients.compute.listInstanceTemplates()).filter((template) => template.properties.labels?.['spotbox-owner'] === OWNER);
    const groups = await clients.compute.listRegionInstanceGroupManagers('us-central1');
    const rules = (await clients.compute.listFirewalls()).filter((rule) => rule.description?.includes(`spotbox-owner=${OWNER}`));
    return [...instances.map((i) => `instance ${i.name}`), ...templates.map((t) => `template ${t.name}`), ...groups.map((g) => `group ${g.name}`), ...rules.map((r) => `firewall ${r.name}`)];
  };

  it('preempted: the notice checkpoint lands within 30 s, the group recreates the VM with no editor, and the trainer resumes at the exact step', async () => {
    requireTorch();
    const result = await launch('gcp-group', `python3 ${BOX_WORKSPACE}/train.py --total-steps 100000 --step-seconds 0.02 >> ~/trainer.log 2>&1`, 'gcp-group');
    assert.ok(result.lineage);
    assert.equal(result.launched.launchName, result.launched.name.replace(/-[a-z0-9]{4}$/, ''), 'the group names its VM after the launch');
    const first = await clients.compute.getInstance(result.launched.zone, result.launched.name);
    assert.deepEqual(groupOfInstance(first?.metadata?.items), { region: 'us-central1', name: result.launched.launchName }, 'the VM is the group\'s (Google\'s created-by)');

    const client = await connect(result.box);
    try {
      await eventually('the trainer to pass step 100', async () => (Number((await run(client, 'cat ~/step 2>/dev/null || echo 0')).trim()) >= 100 ? true : undefined), 120_000, 500);
    } finally {
      client.end();
    }
    // From the preemption on no editor acts: only Google (the group) and the boxes.
    const seen = await preemptAndWatch(result.box, {
      clients,
      keyDirectory,
      bucket: BUCKET,
      checkpointPrefix: `gcp-group/${result.lineage}/`,
      preempt: (instance) => control('/gcp/faults/preempt', { instance }),
      timeoutMs: 180_000,
    });
    assert.ok(seen.checkpointAt - seen.preemptedAt < 30_000, `the checkpoint was complete ${seen.checkpointAt - seen.preemptedAt} ms after the preemption, inside GCE's 30 s`);
    assert.ok(seen.stoppedAt >= 100, 'the trainer saved on SIGTERM and stopped');
    assert.equal(seen.checkpointStep, seen.stoppedAt, 'the checkpoint holds the step the trainer stopped at');
    assert.equal(seen.replacement.instanceId, result.launched.name, "GCE's repair keeps the VM's name");
    assert.equal(seen.replacement.lineage, result.lineage);
    assert.equal(seen.boot.phase, 'resumed', JSON.stringify(seen.boot));
    assert.equal(seen.boot.handoff?.from, first!.id, "the new VM waited for the preempted one's notice checkpoint");
    assert.equal(seen.resumedStep, seen.stoppedAt, '0 steps lost: resumed at the step the old VM saved');
    console.log(`      GCP preemption -> checkpoint ${((seen.checkpointAt - seen.preemptedAt) / 1000).toFixed(1)} s, new VM running ${((seen.replacementRunningAt - seen.preemptedAt) / 1000).toFixed(1)} s, resumed ${((seen.boot.resumedAt! - seen.preemptedAt) / 1000).toFixed(1)} s`);
    const replacement = seen.replacement;
    const { instances } = await clients.compute.aggregatedListInstances(`(labels.spotbox-lineage = "${result.lineage}")`);
    assert.deepEqual(instances.map((instance) => instance.name), [replacement.instanceId], 'one VM in the lineage');
    assert.notEqual(instances[0].id, first!.id, 'a new machine');

    await terminateGceBox(clients.compute, replacement, { ownerId: OWNER, keyDirectory });
    assert.deepEqual(await leftovers(), [], 'Terminate Box removed the group, its VM, template and firewall rule');
    assert.equal(fs.existsSync(path.join(keyDirectory, `spotbox-${result.launched.launchName}.pem`)), false, 'and the private key');
    await clients.gcs.deletePrefix(BUCKET, `gcp-group/${result.lineage}/`);
  });

  it('the sweep leaves a live group alone, and removes what an interrupted terminate left (template, firewall rule, key) until nothing is left', async () => {
    const live = await launch('gcp-live', 'sleep 100000', 'gcp-sweep');
    const cloud = gceHygieneCloud(async () => clients.compute, keyDirectory);
    const scan = async () => findOrphans(cloud, { regions: [GCE_SWEEP_SCOPE], ownerId: OWNER, graceMs: 0 });
    assert.deepEqual((await scan()).orphans, [], 'a running group box: its group, template and rule are all needed');

    // The editor died in Terminate Box right after the group went: template, rule and key are left.
    await clients.compute.waitForOperation(await clients.compute.deleteRegionInstanceGroupManager('us-central1', live.launched.launchName), { deadline: Date.now() + 120_000 });
    const found = await scan();
    assert.deepEqual(found.orphans.map((orphan) => `${orphan.kind} ${orphan.id}`).sort(), [`launch-template ${live.launched.launchName}`, `security-group spotbox-ssh-${live.launched.launchName}`]);
    const result = await deleteOrphans(cloud, found.orphans, { keyDirectory, logger: silentLogger });
    assert.deepEqual(result.failed, []);
    assert.deepEqual(await leftovers(), []);
    assert.equal(fs.existsSync(path.join(keyDirectory, `spotbox-${live.launched.launchName}.pem`)), false, 'the key file went with the rule');
    await clients.gcs.deletePrefix(BUCKET, `gcp-sweep/${live.lineage}/`);
  });
});
