import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveBoxEndpoint } from '../../../src/core/attach/boxEndpoint';
import { connectEndpoint } from '../../../src/core/attach/connectEndpoint';
import { Ec2ClientPool } from '../../../src/core/aws/ec2ClientPool';
import { Ec2SpotPrices } from '../../../src/core/aws/ec2SpotPrices';
import { Ec2BoxSource } from '../../../src/core/boxes/ec2BoxSource';
import { terminateBox } from '../../../src/core/boxes/terminateBox';
import { ec2HygieneCloud } from '../../../src/core/hygiene/ec2HygieneCloud';
import { findOrphans } from '../../../src/core/hygiene/findOrphans';
import { releaseSessionResources } from '../../../src/core/hygiene/releaseSessionResources';
import { silentLogger } from '../../../src/core/logging/logger';
import { PROFILE_DEFAULTS, type SpotboxProfile } from '../../../src/core/profile/profileTypes';
import { launchFromProfile, type ProfileLaunchPorts, type ProfileLaunchStep } from '../../../src/core/profileLaunch/launchFromProfile';
import { LineageStore } from '../../../src/core/recovery/lineageStore';
import { runRemoteCommand } from '../../../src/core/ssh/runRemoteCommand';
import { SANDBOX_BUCKET, type RunningSandbox } from '../../../sandbox/sandbox';
import { sandboxImageId, startTestSandbox, stopTestSandbox, tempDir, TEST_OWNER_ID } from './sandboxHarness';
import { assembleAgentForTests } from '../../assembledAgent';

const REGION = 'us-east-1';

describe('Sandbox: a launch from a profile through the one pipeline (src/core/profileLaunch/launchFromProfile.ts)', function () {
  this.timeout(240_000);
  let directory: string;
  let sandbox: RunningSandbox | undefined;
  let clients: Ec2ClientPool;

  before(async () => {
    directory = tempDir('spotbox-pipeline-');
    sandbox = await startTestSandbox(directory);
    clients = new Ec2ClientPool();
  });

  after(async () => {
    clients?.dispose();
    await stopTestSandbox(sandbox, directory);
  });

  it('image -> agent -> fleet -> lineage -> running -> endpoint -> provision: workspace uploaded, session in tmux, lineage recorded; released, nothing is left', async () => {
    const keyDirectory = path.join(directory, 'keys');
    const workspace = path.join(directory, 'workspace');
    fs.mkdirSync(workspace);
    fs.writeFileSync(path.join(workspace, 'train.py'), 'print("training")\n');
    const imageId = await sandboxImageId(REGION);
    const profile: SpotboxProfile = {
      ...PROFILE_DEFAULTS,
      name: 'pipeline',
      regions: [REGION],
      instanceTypes: ['g5.xlarge', 'g4dn.xlarge'],
      maxPrice: 3,
      image: imageId,
      volumeGb: 100,
      sshUser: 'ubuntu',
      checkpoint: { bucket: SANDBOX_BUCKET, prefix: 'pipeline' },
      session: { command: 'sleep 600' },
    };
    const lineages = new LineageStore(path.join(directory, 'lineages'));
    const source = new Ec2BoxSource(clients, () => [REGION], new Ec2SpotPrices({ clients }));
    const ports: ProfileLaunchPorts = {
      clients,
      agentSource: async () => fs.readFileSync(path.join(assembleAgentForTests(), 'spotbox_agent.py'), 'utf8'),
      lineages,
      listBoxes: () => source.listBoxes(),
      endpointOf: (box, { signal, onWaiting }) => resolveBoxEndpoint(clients, box, { keyDirectory, defaultUser: 'ubuntu', pollMs: 300, onWaiting, ...(signal ? { signal } : {}) }),
    };
    const steps: ProfileLaunchStep[] = [];
    const result = await launchFromProfile(
      profile,
      { pools: { region: REGION, instanceTypes: [...profile.instanceTypes!] }, callerCidr: '127.0.0.1/32', keyDirectory, owner: TEST_OWNER_ID, localRoot: workspace },
      ports,
      { logger: silentLogger, pollMs: 300, onProgress: (step) => (steps.at(-1) === step ? undefined : steps.push(step)) },
    );
    try {
      assert.deepEqual(steps, ['image', 'agent', 'launch', 'lineage', 'running', 'endpoint', 'provision']);
      assert.deepEqual(result.provisioned, { ...result.provisioned, workspace: 'uploaded', session: 'started' });
      assert.equal((await lineages.findByInstance(result.launched.instanceId))?.lineage, result.request.lineage);

      const client = await connectEndpoint(await ports.endpointOf(result.box, { onWaiting: () => undefined }), { retries: 4 });
      try {
        const onBox = await runRemoteCommand(client, 'cat ~/workspace/train.py && tmux -S ~/.spotbox/tmux.sock has-session -t spotbox && echo session && test -f ~/.spotbox/agent.json && echo agent');
        assert.deepEqual(onBox.stdout.trim().split('\n'), ['print("training")', 'session', 'agent']);
      } finally {
        client.end();
      }
      // A checkpoint and a session: the box is kept by a fleet of type maintain, which Terminate Box deletes.
      assert.ok(result.launched.fleetId, 'launched through a maintain fleet');
    } finally {
      await terminateBox(clients, result.launched, TEST_OWNER_ID);
      await releaseSessionResources(ec2HygieneCloud(clients), { region: REGION, sessionId: result.launched.sessionId, ownerId: TEST_OWNER_ID, keyDirectory, logger: silentLogger });
    }
    const left = await findOrphans(ec2HygieneCloud(clients), { regions: [REGION], ownerId: TEST_OWNER_ID, graceMs: 0 });
    assert.equal(left.orphans.length + left.recent.length, 0);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const relaunched = (await source.listBoxes()).filter((box) => box.sessionId === result.launched.sessionId && box.state !== 'terminated');
    assert.deepEqual(relaunched, [], 'the fleet went with the box: nothing relaunched');
  });
});
