import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { Ec2ClientPool } from '../../../src/core/aws/ec2ClientPool';
import { terminateBox } from '../../../src/core/boxes/terminateBox';
import { launchBox } from '../../../src/core/launch/launcher';
import { silentLogger } from '../../../src/core/logging/logger';
import { callerPublicIp } from '../../../src/core/network/callerIp';
import { loadCatalogs } from '../../../src/core/pricing/catalogLoader';
import { expandPools } from '../../../src/core/profile/expandPools';
import { resolveImage } from '../../../src/core/profile/imageAlias';
import { parseProfile } from '../../../src/core/profile/parseProfile';
import { toLaunchRequest } from '../../../src/core/profile/toLaunchRequest';
import { catalogContext, validateProfile } from '../../../src/core/profile/validateProfile';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { images } from '../../../sandbox/ec2/catalog/images';
import { startTestSandbox, tempDir, waitForState, stopTestSandbox } from '../e2e/sandboxHarness';

const REGION = 'us-west-2';

describe('Launch profile over the wire (src/core/profile, src/core/network) against the sandbox', function () {
  this.timeout(120_000);
  let directory: string;
  let sandbox: RunningSandbox | undefined;
  let clients: Ec2ClientPool;

  before(async () => {
    directory = tempDir('spotbox-profile-');
    sandbox = await startTestSandbox(directory);
    clients = new Ec2ClientPool();
  });

  after(async () => {
    clients?.dispose();
    await stopTestSandbox(sandbox, directory);
  });

  it('resolves the dlami aliases to the sandbox AMIs of each region, and an ami- id as is', async () => {
    for (const region of [REGION, 'eu-west-1']) {
      const served = images(region);
      const pytorch = await resolveImage(clients, region, 'dlami:pytorch');
      assert.equal(pytorch.imageId, served.find((i) => i.name.startsWith('Deep Learning OSS Nvidia Driver AMI GPU PyTorch'))?.imageId);
      const base = await resolveImage(clients, region, 'dlami:base');
      assert.equal(base.imageId, served.find((i) => i.name.startsWith('Deep Learning Base OSS'))?.imageId);
    }
    assert.deepEqual(await resolveImage(clients, REGION, 'ami-0123456789abcdef0'), { imageId: 'ami-0123456789abcdef0', name: 'ami-0123456789abcdef0' });
  });

  it('GET /checkip answers 127.0.0.1 as plain text and callerPublicIp reads it', async () => {
    const response = await fetch(sandbox!.endpoints.checkIp);
    assert.equal(response.headers.get('content-type'), 'text/plain');
    assert.equal((await response.text()).trim(), '127.0.0.1');
    assert.equal(await callerPublicIp(sandbox!.endpoints.checkIp, { timeoutMs: 5000 }), '127.0.0.1');
  });

  it('profile text -> validate -> expand -> image -> LaunchRequest -> launchBox -> running -> terminated', async () => {
    const text = `{
      // One A10G box, cheapest pools first
      "name": "profile-e2e",
      "regions": ["${REGION}"],
      "gpu": "A10G", "gpus": 1,
      "maxPrice": 5,
      "allocationStrategy": "lowest-price",
      "image": "dlami:pytorch",
      "volumeGb": 100,
    }`;
    const parsed = parseProfile(text, '.spotbox/profile.json');
    assert.deepEqual(parsed.problems, []);
    const profile = parsed.profile!;
    const catalogs = await loadCatalogs(path.resolve('resources/prices'));
    assert.deepEqual(validateProfile(profile, catalogContext(catalogs, parsed.locate)), []);
    const [pools] = expandPools(profile, catalogs);
    assert.ok(pools.instanceTypes.includes('g5.xlarge'), pools.instanceTypes.join(', '));
    const image = await resolveImage(clients, REGION, profile.image);
    const ip = await callerPublicIp(sandbox!.endpoints.checkIp, { timeoutMs: 5000 });
    const request = toLaunchRequest(profile, { pools, imageId: image.imageId, callerCidr: `${ip}/32`, keyDirectory: path.join(directory, 'keys'), owner: 'tester' });

    const box = await launchBox(clients, request, { logger: silentLogger });
    const ec2 = new EC2Client({ region: REGION });
    try {
      const [instance] = await waitForState(ec2, [box.instanceId], 'running');
      assert.equal(instance.ImageId, image.imageId);
      assert.ok(pools.instanceTypes.includes(instance.InstanceType ?? ''), instance.InstanceType);
      assert.equal(instance.Tags?.find((tag) => tag.Key === 'spotbox:box')?.Value, 'profile-e2e');
      await terminateBox(clients, box);
      await waitForState(ec2, [box.instanceId], 'terminated');
    } finally {
      ec2.destroy();
    }
  });
});
