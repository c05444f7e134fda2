/**
 * Issue 14's "costs more by a margin the user sets", over the wire: a real PyTorch trainer
 * (examples/pytorch-loop, saves on SIGTERM) on an AWS fleet lineage whose profile names Google Cloud
 * in otherClouds with moveAcrossClouds.cheaperByPercent. EC2 has capacity, but its Spot price for the
 * profile's pools has moved up (the sandbox's price spike: DescribeSpotPriceHistory shows it, as the
 * product reads it). At a notice the editor prices the replacement with the launch's own price
 * service (live EC2 Spot price history against Google's Billing Catalog, the pre-flight's cost
 * model, the checkpoint's egress) and moves when Google Cloud is cheaper by the margin; otherwise the
 * fleet replaces the box on AWS as usual.
 */
import * as assert from 'node:assert/strict';
import { DescribeFleetsCommand } from '@aws-sdk/client-ec2';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connectEndpoint } from '../../../src/core/attach/connectEndpoint';
import { createPricingContext } from '../../../src/core/calculator/pricingContext';
import { sessionFolder } from '../../../src/core/checkpoint/checkpointLayout';
import { CheckpointStore } from '../../../src/core/checkpoint/checkpointStore';
import { billingPoolPricer } from '../../../src/core/gcp/gcpPrices';
import { createGcpClients, type GcpClients } from '../../../src/core/gcp/gcpClients';
import { GceBoxSource } from '../../../src/core/gcp/gceBoxSource';
import { resolveGceEndpoint } from '../../../src/core/gcp/gceEndpoint';
import { terminateGceBox } from '../../../src/core/gcp/gceTerminate';
import { ec2HygieneCloud } from '../../../src/core/hygiene/ec2HygieneCloud';
import { findOrphans } from '../../../src/core/hygiene/findOrphans';
import { GCE_SWEEP_SCOPE, gceHygieneCloud } from '../../../src/core/hygiene/gceHygieneCloud';
import { silentLogger, type Logger } from '../../../src/core/logging/logger';
import { EGRESS_USD_PER_GB } from '../../../src/core/pricing/egressPrices';
import type { SpotboxProfile } from '../../../src/core/profile/profileTypes';
import { checkpointNowOnBox } from '../../../src/core/recovery/boxSessionOps';
import type { LineageRecord } from '../../../src/core/recovery/recoveryTypes';
import { timelineSummary } from '../../../src/core/recovery/timelineText';
import { runRemoteCommand } from '../../../src/core/ssh/runRemoteCommand';
import { assembleAgentForTests } from '../../assembledAgent';
import { eventually, TEST_OWNER_ID } from '../e2e/sandboxHarness';
import { BOX_WORKSPACE, fleetTrainerProfile, REGION, WORKSPACES } from './recoveryHarness';
import { useCrossCloudWorld } from './crossCloudScenario';

const TRAINER = `python3 ${BOX_WORKSPACE}/train.py --total-steps 100000 --step-seconds 0.02 >> ~/trainer.log 2>&1`;
const GCS_BUCKET = 'spotbox-sandbox';
const RESOURCES = path.resolve(__dirname, '../../../../resources/prices');
/** EC2's Spot price for the profile's pools after the move up: below on-demand ($0.526, $1.006), as EC2's never exceeds it. */
const SPIKED: Readonly<Record<string, number>> = { 'g4dn.xlarge': 0.5, 'g5.xlarge': 0.95 };
/** g2-standard-4's Spot price from the sandbox's Billing Catalog SKUs: 4 G2 cores, 16 GB, one L4. */
const GCP_SPOT = 4 * 0.009995 + 16 * 0.001171 + 0.224;

describe('Across clouds for price: EC2\'s Spot price moved up, the session moves to Google Cloud when it is cheaper by the margin, else stays (issue 14)', function () {
  this.timeout(300_000);
  const world = useCrossCloudWorld('spotbox-price-move-');
  let gcp: GcpClients;

  before(async () => {
    gcp = await createGcpClients({ configuration: 'spotbox-sandbox' });
  });

  function moverProfile(name: string, cheaperByPercent: number): SpotboxProfile {
    return {
      ...fleetTrainerProfile(name, TRAINER),
      otherClouds: [{ cloud: 'gcp', regions: ['us-central1'], instanceTypes: ['g2-standard-4'], bucket: GCS_BUCKET, image: 'projects/deeplearning-platform-release/global/images/family/pytorch-latest-gpu', sshUser: 'ubuntu' }],
      moveAcrossClouds: { whenNoCapacity: true, cheaperByPercent },
    };
  }

  /**
   * Launches the profile, lets the trainer run and commit one checkpoint (its manifest gives the
   * size the egress is priced for), moves EC2's price up, then sends a notice with a window that
   * prices like the editor does; resolves with the run once it has finished.
   */
  async function noticeWithPricesUp(profile: SpotboxProfile, logger: Logger) {
    const record = await world.rig.launch(profile, { workspace: WORKSPACES.pytorchLoop });
    assert.ok(record.fleetId && record.crossCloud, 'a fleet lineage that may move');
    const oldBox = (await world.rig.box(record.currentInstanceId))!;
    await world.rig.trainerPast(oldBox, 100);
    await world.rig.withBox(oldBox, (client) => checkpointNowOnBox(client, { timeoutSeconds: 120 }));
    const before = await new CheckpointStore(record.checkpoint!, { region: REGION }).newestCheckpoint(record.lineage);
    assert.ok(before, 'a checkpoint committed before the notice');

    for (const instanceType of profile.instanceTypes ?? []) world.sandbox.ec2.spikePrice({ region: REGION, instanceType, price: SPIKED[instanceType] });
    // The editor's own pricing context: live EC2 Spot and on-demand prices, Google's Billing Catalog.
    const pricing = await createPricingContext({ catalogDir: RESOURCES, livePrices: true, clock: { now: () => Date.now() }, gcpLivePrices: async () => billingPoolPricer(gcp.billing) });
    const coordinator = world.rig.coordinator('window-1', {}, {
      logger,
      deps: {
        gcp: { clients: async () => gcp, agentSource: async () => fs.promises.readFile(path.join(assembleAgentForTests(), 'spotbox_agent.py'), 'utf8'), keyDirectory: world.rig.keyDirectory },
        prices: async () => pricing.priceService,
        callerCidr: async () => '127.0.0.1/32',
      },
    });
    let recovering: Promise<LineageRecord | undefined> | undefined;
    const { tail } = world.rig.follow(oldBox, { recover: (facts) => (recovering ??= coordinator.recover('notice', facts)) });
    world.tails.push(tail);
    const steps = world.rig.watchSteps(oldBox);
    const noticeAt = Date.now();
    world.sandbox.ec2.interruptSpot(oldBox.instanceId, { leadSeconds: 40 });
    const finished = (await eventually('the recovery to start', async () => recovering, 30_000, 100));
    steps.stop();
    return { record, oldBox, finished, run: finished.recovery!, stepReached: steps.last(), checkpointBytes: before.bytes, coordinator, seconds: (Date.now() - noticeAt) / 1000 };
  }

  it('Google Cloud cheaper by at least 20 %: moves there with both prices on the record, 0 steps lost, no AWS replacement ever launched, nothing left after Terminate', async () => {
    const started = Date.now();
    const { record, oldBox, finished, run, stepReached, checkpointBytes, coordinator, seconds } = await noticeWithPricesUp(moverProfile('pricemove', 20), silentLogger);
    assert.equal(run.phase, 'resumed', run.error);
    const move = run.move!;
    assert.ok(move.reason === 'cheaper', `it moved for price: ${JSON.stringify(move)}`);

    // The comparison: EC2's moved-up price as DescribeSpotPriceHistory gives it, Google's from its Billing Catalog.
    const price = move.priceComparison;
    assert.deepEqual([price.from.cloud, price.from.region, price.from.instanceType, price.from.source], ['aws', REGION, 'g4dn.xlarge', 'live']);
    assert.equal(price.fromUsdPerHour, SPIKED['g4dn.xlarge']);
    assert.deepEqual([price.to.cloud, price.to.region, price.to.instanceType, price.to.source], ['gcp', 'us-central1', 'g2-standard-4', 'live']);
    assert.ok(Math.abs(price.toUsdPerHour - GCP_SPOT) < 1e-4, `${price.toUsdPerHour} is the Billing Catalog's ${GCP_SPOT}`);
    assert.ok(price.percentCheaper >= 20, `${price.percentCheaper} % cheaper`);
    // The newest manifest when prices were read: the one committed before the notice, or the notice's own if it was first.
    const manifests = await new CheckpointStore(record.checkpoint!, { region: REGION }).listCheckpoints(record.lineage);
    assert.ok(price.checkpointBytes !== undefined && manifests.some((manifest) => manifest.bytes === price.checkpointBytes && manifest.bytes >= checkpointBytes * 0.5), `egress priced for a manifest's size: ${price.checkpointBytes} of ${manifests.map((manifest) => manifest.bytes).join(', ')}`);
    assert.ok(Math.abs(price.egressUsd - (price.checkpointBytes / 1e9) * EGRESS_USD_PER_GB.aws) < 1e-12);
    assert.ok(Date.now() - price.to.asOf < 120_000 && Date.now() - price.from.asOf < 120_000, 'prices read at the notice');

    // Where to, and the trainer resumed there at the exact step it saved at on AWS.
    assert.deepEqual(move.from, { cloud: 'aws', region: REGION, instanceId: oldBox.instanceId });
    assert.equal(move.to?.cloud, 'gcp');
    assert.equal(move.to.machineType, 'g2-standard-4');
    assert.ok(finished.ended, 'the AWS lineage ended');
    assert.equal(run.checkpointStep, stepReached, 'the notice checkpoint holds the last step');
    assert.equal(run.resumedStep, stepReached);
    const gceBox = (await new GceBoxSource(async () => gcp.compute, gcp.project).listBoxes()).find((box) => box.instanceId === move.to!.instance);
    assert.ok(gceBox, `${move.to.instance} is listed on Google Cloud`);
    const client = await connectEndpoint(await resolveGceEndpoint(gcp.compute, gceBox, { keyDirectory: world.rig.keyDirectory, defaultUser: 'ubuntu' }), { retries: 8 });
    const log = await eventually('the trainer to resume on Google Cloud', async () => {
      const text = (await runRemoteCommand(client, 'cat ~/trainer.log 2>/dev/null || true')).stdout;
      return /resumed at step \d+/.test(text) ? text : undefined;
    }, 30_000, 500).finally(() => client.end());
    assert.match(log, new RegExp(`resumed at step ${stepReached}\\b`), '0 steps lost');
    const summary = timelineSummary(run);
    assert.match(summary, new RegExp(`^Moved to Google Cloud \\(${move.to.zone}, g2-standard-4\\): ${Math.round(price.percentCheaper)} % cheaper than AWS \\(\\$0\\.28/h vs \\$0\\.50/h, egress ≈ \\$[0-9.e-]+\\)\\. Copied .* Resumed at step ${stepReached}, 0 steps lost\\.`));

    // The fleet was held while the move ran: AWS never launched a replacement, and its fleet is gone.
    const fleet = (await world.rig.ec2.send(new DescribeFleetsCommand({ FleetIds: [record.fleetId!] }))).Fleets?.[0];
    assert.match(fleet?.FleetState ?? 'deleted', /^deleted/);
    const ofLineage = (await world.rig.allInstances()).filter((instance) => instance.lineage === record.lineage);
    assert.deepEqual(ofLineage.map((instance) => instance.instanceId), [oldBox.instanceId], 'no AWS box but the interrupted one');
    assert.ok(['terminated', 'shutting-down'].includes(ofLineage[0].state));

    await terminateGceBox(gcp.compute, gceBox, { ownerId: TEST_OWNER_ID, keyDirectory: world.rig.keyDirectory });
    const gceScan = await findOrphans(gceHygieneCloud(async () => gcp.compute, world.rig.keyDirectory), { regions: [GCE_SWEEP_SCOPE], ownerId: TEST_OWNER_ID, graceMs: 0 });
    const awsScan = await findOrphans(ec2HygieneCloud(world.rig.clients), { regions: [REGION], ownerId: TEST_OWNER_ID, graceMs: 0 });
    assert.deepEqual([...gceScan.orphans, ...awsScan.orphans].map((orphan) => `${orphan.kind} ${orphan.id}`), []);
    await gcp.gcs.deletePrefix(GCS_BUCKET, sessionFolder(record.checkpoint!.prefix, record.lineage));
    await coordinator.releasesSettled();
    console.log(`      ${summary} (notice to resumed on Google Cloud ${seconds.toFixed(1)} s; scenario ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  });

  it('Google Cloud cheaper, but not by the 60 % margin: the fleet replaces the box on AWS, 0 steps lost, nothing copied or launched on Google Cloud', async () => {
    const logged: string[] = [];
    const logger: Logger = { ...silentLogger, info: (message) => void logged.push(message), warn: (message) => void logged.push(message) };
    const { record, oldBox, run, stepReached, coordinator, seconds } = await noticeWithPricesUp(moverProfile('pricestay', 60), logger);
    assert.equal(run.phase, 'resumed', run.error);
    assert.equal(run.move, undefined);
    const decision = logged.find((line) => line.includes('staying on AWS'));
    assert.ok(decision, logged.join('\n'));
    const percent = Number(/: ([\d.]+) % cheaper, below the 60 % margin$/.exec(decision)?.[1]);
    assert.ok(percent > 0 && percent < 60, decision);

    const replacement = run.replacementInstanceId!;
    assert.notEqual(replacement, oldBox.instanceId);
    assert.equal(run.resumedStep, stepReached);
    assert.match(await world.rig.trainerResumedOn(replacement), new RegExp(`resumed at step ${stepReached}\\b`), '0 steps lost');
    assert.equal((await gcp.gcs.list(GCS_BUCKET, sessionFolder(record.checkpoint!.prefix, record.lineage))).objects.length, 0, 'nothing copied to Cloud Storage');
    const gceBoxes = (await new GceBoxSource(async () => gcp.compute, gcp.project).listBoxes()).filter((box) => box.name === 'pricestay');
    assert.deepEqual(gceBoxes, [], 'nothing launched on Google Cloud');
    await coordinator.releasesSettled();
    console.log(`      ${decision} (notice to resumed on AWS ${seconds.toFixed(1)} s)`);
  });
});
