import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AZURE_BLOB_CONTAINER, AZURE_DEFAULT_IMAGE, AZURE_IMAGE, AZURE_REGION, AZURE_VM_SIZE, GCP_DEFAULT_IMAGE, GCP_IMAGE, GCP_MACHINE_TYPE, GCP_REGION, GCS_BUCKET } from '../../../src/core/profile/cloudRules';
import type { LaunchedBox, LaunchRequest } from '../../../src/core/launch/launchTypes';
import { parseProfile, TOP_KEYS } from '../../../src/core/profile/parseProfile';
import { CHEAPER_BY_PERCENT_RANGE } from '../../../src/core/profile/profileTypes';
import { lineageFromLaunch } from '../../../src/core/recovery/lineageFromLaunch';

const FILE = '.spotbox/profile.json';
const base = {
  name: 'mover',
  regions: ['us-east-1'],
  instanceTypes: ['g5.xlarge'],
  maxPrice: 2,
  checkpoint: { bucket: 'my-ckpts', prefix: 'runs' },
  session: { command: 'python3 train.py' },
};
const gcp = { cloud: 'gcp', regions: ['us-central1'], instanceTypes: ['g2-standard-4'], bucket: 'my-gcs-bucket' };
const azure = { cloud: 'azure', regions: ['eastus'], instanceTypes: ['Standard_NC4as_T4_v3'], bucket: 'mycheckpoints/runs' };

/** A copy of `value` without `key`. */
function without<T extends Record<string, unknown>>(value: T, key: keyof T): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([name]) => name !== key));
}

function problemsOf(profile: Record<string, unknown>): Array<{ path: string; message: string }> {
  return parseProfile(JSON.stringify(profile, null, 2), FILE).problems.map((problem) => ({ path: problem.path.join('.'), message: problem.message }));
}

describe('profile: otherClouds and moveAcrossClouds (cross-cloud moves)', () => {
  it('reads a Google Cloud entry in its own words, with that cloud\'s image and the default SSH user, and moves when there is no capacity by default', () => {
    const { profile, problems } = parseProfile(JSON.stringify({ ...base, otherClouds: [gcp] }), FILE);
    assert.deepEqual(problems, []);
    assert.deepEqual(profile?.otherClouds, [{ ...gcp, image: GCP_DEFAULT_IMAGE, sshUser: 'ubuntu' }]);
    assert.deepEqual(profile?.moveAcrossClouds, { whenNoCapacity: true });
  });

  it('reads an Azure entry in its words (the bucket is account/container, as an Azure profile\'s), kept in the profile\'s order', () => {
    const { profile, problems } = parseProfile(JSON.stringify({ ...base, otherClouds: [azure, gcp] }), FILE);
    assert.deepEqual(problems, []);
    assert.deepEqual(profile?.otherClouds, [{ ...azure, image: AZURE_DEFAULT_IMAGE, sshUser: 'ubuntu' }, { ...gcp, image: GCP_DEFAULT_IMAGE, sshUser: 'ubuntu' }]);
  });

  it('judges an Azure entry by Azure\'s rules: a bare bucket, a GCE machine type and a Google image are refused where they are', () => {
    const problems = problemsOf({ ...base, otherClouds: [{ ...azure, instanceTypes: ['g2-standard-4'], bucket: 'my-gcs-bucket', image: GCP_DEFAULT_IMAGE }] });
    assert.deepEqual(problems.map((problem) => problem.path).sort(), ['otherClouds.0.bucket', 'otherClouds.0.image', 'otherClouds.0.instanceTypes.0']);
    assert.match(problems.find((problem) => problem.path === 'otherClouds.0.bucket')!.message, /a storage account and a Blob container as "<account>\/<container>"/);
    assert.match(problems.find((problem) => problem.path === 'otherClouds.0.instanceTypes.0')!.message, /Azure VM size such as "Standard_NC4as_T4_v3"/);
    assert.match(problemsOf({ ...base, otherClouds: [without(azure, 'bucket')] })[0].message, /missing "bucket": the checkpoint bucket there: a storage account and a Blob container/);
  });

  it('keeps an explicit image, user, price and whenNoCapacity false', () => {
    const image = 'projects/my-project-1/global/images/family/my-family';
    const { profile, problems } = parseProfile(JSON.stringify({ ...base, otherClouds: [{ ...gcp, image, sshUser: 'alice', maxPrice: 1.5 }], moveAcrossClouds: { whenNoCapacity: false } }), FILE);
    assert.deepEqual(problems, []);
    assert.deepEqual(profile?.otherClouds?.[0], { ...gcp, image, sshUser: 'alice', maxPrice: 1.5 });
    assert.deepEqual(profile?.moveAcrossClouds, { whenNoCapacity: false });
  });

  it('judges each entry by its own cloud\'s rules: AWS words on Google Cloud are refused where they are', () => {
    const problems = problemsOf({ ...base, otherClouds: [{ cloud: 'gcp', regions: ['us-east-1'], instanceTypes: ['g5.xlarge'], bucket: 'my.dotted.bucket' }] });
    assert.deepEqual(problems.map((problem) => problem.path).sort(), ['otherClouds.0.bucket', 'otherClouds.0.instanceTypes.0', 'otherClouds.0.regions.0']);
    assert.match(problems.find((problem) => problem.path === 'otherClouds.0.regions.0')!.message, /Google Cloud region name such as "us-central1"/);
  });

  it('needs a checkpoint and a session, and says why', () => {
    const problems = problemsOf({ ...without(base, 'checkpoint'), otherClouds: [gcp] });
    assert.deepEqual(problems.map((problem) => problem.path), ['otherClouds']);
    assert.match(problems[0].message, /needs a "checkpoint" block and a "session".*add both, or remove "otherClouds"/);
    assert.deepEqual(problemsOf({ ...without(base, 'session'), otherClouds: [gcp] }).map((problem) => problem.path), ['otherClouds']);
  });

  it('refuses its own cloud, a cloud named twice, unknown fields and a missing bucket, each with a next step', () => {
    assert.match(problemsOf({ ...base, otherClouds: [{ ...gcp, cloud: 'aws' }] })[0].message, /this profile's own cloud.*belong in "regions"/);
    assert.match(problemsOf({ ...base, otherClouds: [gcp, gcp] })[0].message, /named twice in "otherClouds"/);
    assert.match(problemsOf({ ...base, otherClouds: [{ ...gcp, zone: 'x' }] })[0].message, /unknown field "zone" in an "otherClouds" entry: allowed fields are cloud, regions/);
    const missing = problemsOf({ ...base, otherClouds: [without(gcp, 'bucket')] });
    assert.deepEqual(missing.map((problem) => problem.path), ['otherClouds.0.bucket']);
    assert.match(missing[0].message, /missing "bucket": the checkpoint bucket there: a Cloud Storage bucket name/);
    assert.match(problemsOf({ ...base, otherClouds: [] })[0].message, /"otherClouds" must be a non-empty list/);
  });

  it('moves from AWS only in this version, and moveAcrossClouds needs otherClouds', () => {
    const fromGcp = { ...base, cloud: 'gcp', regions: ['us-central1'], instanceTypes: ['g2-standard-4'], checkpoint: { bucket: 'gcs-ckpts', prefix: 'runs' }, otherClouds: [{ ...gcp, cloud: 'aws', regions: ['us-east-1'], instanceTypes: ['g5.xlarge'], bucket: 'my-ckpts' }] };
    assert.match(problemsOf(fromGcp)[0].message, /starts from AWS only in this version; remove "otherClouds"/);
    assert.match(problemsOf({ ...base, moveAcrossClouds: { whenNoCapacity: true } })[0].message, /"moveAcrossClouds" needs "otherClouds"/);
    assert.match(problemsOf({ ...base, otherClouds: [gcp], moveAcrossClouds: { whenNoCapacity: 'yes' } })[0].message, /"moveAcrossClouds.whenNoCapacity" must be true or false/);
  });

  it('reads cheaperByPercent (1 to 95, fractions allowed) beside whenNoCapacity, and a lineage that may only move for price keeps the profile', () => {
    const { profile, problems } = parseProfile(JSON.stringify({ ...base, otherClouds: [gcp], moveAcrossClouds: { whenNoCapacity: false, cheaperByPercent: 12.5 } }), FILE);
    assert.deepEqual(problems, []);
    assert.deepEqual(profile?.moveAcrossClouds, { whenNoCapacity: false, cheaperByPercent: 12.5 });
    const launched = { instanceId: 'i-1', region: 'us-east-1' } as LaunchedBox;
    const request = { lineage: 'mover-1', boxName: 'mover', region: 'us-east-1', pools: [] } as unknown as LaunchRequest & { lineage: string };
    assert.ok(lineageFromLaunch(profile, request, launched, '~/ckpt').crossCloud, 'moves for price only: the lineage keeps the profile');
    const neither = parseProfile(JSON.stringify({ ...base, otherClouds: [gcp], moveAcrossClouds: { whenNoCapacity: false } }), FILE).profile!;
    assert.equal(lineageFromLaunch(neither, request, launched, '~/ckpt').crossCloud, undefined, 'never moves: nothing kept');
    assert.deepEqual(parseProfile(JSON.stringify({ ...base, otherClouds: [gcp], moveAcrossClouds: { cheaperByPercent: 20 } }), FILE).profile?.moveAcrossClouds, { whenNoCapacity: true, cheaperByPercent: 20 });
  });

  it('refuses a cheaperByPercent outside 1..95 or not a number, where it is, with what it means and the way out', () => {
    for (const value of [0, 0.5, 96, -20, '20', true]) {
      const problems = problemsOf({ ...base, otherClouds: [gcp], moveAcrossClouds: { cheaperByPercent: value } });
      assert.deepEqual(problems.map((problem) => problem.path), ['moveAcrossClouds.cheaperByPercent'], `refused: ${JSON.stringify(value)}`);
      assert.match(problems[0].message, /"cheaperByPercent" must be a number from 1 to 95: how many percent cheaper another cloud must be .* such as 20; remove it to move only when there is no Spot capacity/);
    }
    assert.deepEqual(problemsOf({ ...base, otherClouds: [gcp], moveAcrossClouds: { cheaperByPercent: 1 } }), []);
    assert.deepEqual(problemsOf({ ...base, otherClouds: [gcp], moveAcrossClouds: { cheaperByPercent: 95 } }), []);
  });

  it('the JSON schema knows both keys, needs checkpoint and session with them, and has the parser\'s Google Cloud and Azure patterns for an entry', () => {
    const schema = JSON.parse(fs.readFileSync(path.resolve('resources/schemas/profile.schema.json'), 'utf8')) as {
      properties: Record<string, { items?: { required: string[]; properties: Record<string, { enum?: string[] }>; allOf: Array<{ if: unknown; then: { properties: Record<string, { pattern?: string; items?: { pattern: string } }> } }> } }>;
      dependencies: Record<string, string[]>;
    };
    assert.ok(TOP_KEYS.every((key) => key in schema.properties), 'every top key is in the schema');
    assert.deepEqual(schema.dependencies.otherClouds, ['checkpoint', 'session']);
    const move = (schema.properties.moveAcrossClouds as unknown as { properties: Record<string, { type: string; minimum?: number; maximum?: number }> }).properties;
    assert.deepEqual([move.cheaperByPercent.type, move.cheaperByPercent.minimum, move.cheaperByPercent.maximum], ['number', CHEAPER_BY_PERCENT_RANGE.min, CHEAPER_BY_PERCENT_RANGE.max]);
    const item = schema.properties.otherClouds.items!;
    assert.deepEqual(item.required, ['cloud', 'regions', 'instanceTypes', 'bucket']);
    const rules = item.allOf[0];
    assert.deepEqual(rules.if, { properties: { cloud: { const: 'gcp' } } });
    const same = (schemaPattern: string | undefined, parser: RegExp): void => assert.equal(schemaPattern, parser.source.replace(/\(\?:/g, '(').replace(/\\\//g, '/'));
    same(rules.then.properties.regions.items?.pattern, GCP_REGION);
    same(rules.then.properties.instanceTypes.items?.pattern, GCP_MACHINE_TYPE);
    same(rules.then.properties.image.pattern, GCP_IMAGE);
    same(rules.then.properties.bucket.pattern, GCS_BUCKET);
    assert.deepEqual(item.properties.cloud.enum, ['gcp', 'azure']);
    const onAzure = item.allOf[1];
    assert.deepEqual(onAzure.if, { properties: { cloud: { const: 'azure' } } });
    same(onAzure.then.properties.regions.items?.pattern, AZURE_REGION);
    same(onAzure.then.properties.instanceTypes.items?.pattern, AZURE_VM_SIZE);
    same(onAzure.then.properties.image.pattern, AZURE_IMAGE);
    same(onAzure.then.properties.bucket.pattern, AZURE_BLOB_CONTAINER);
  });
});
