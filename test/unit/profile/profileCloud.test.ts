import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AMI_ID, AZURE_BLOB_CONTAINER, AZURE_DEFAULT_IMAGE, AZURE_IMAGE, AZURE_REGION, AZURE_VM_SIZE, EC2_INSTANCE_TYPE, GCP_DEFAULT_IMAGE, GCP_IMAGE, GCP_MACHINE_TYPE, GCP_REGION, GCS_BUCKET, S3_BUCKET } from '../../../src/core/profile/cloudRules';
import { parseProfile } from '../../../src/core/profile/parseProfile';
import { validateProfile } from '../../../src/core/profile/validateProfile';

const FILE = '.spotbox/profile.json';

function problemsOf(text: string): string[] {
  return parseProfile(text, FILE).problems.map((problem) => problem.message);
}

describe('profile "cloud": each cloud in its own words', () => {
  it('reads a Google Cloud profile with its regions, machine types, image family default and bucket', () => {
    const { profile, problems } = parseProfile(
      '{ "name": "llama", "cloud": "gcp", "regions": ["us-central1", "europe-west4"], "instanceTypes": ["g2-standard-4", "a2-highgpu-1g"], "maxPrice": 2, "checkpoint": { "bucket": "my_ckpts", "prefix": "llama/" } }',
      FILE,
    );
    assert.deepEqual(problems, []);
    assert.equal(profile?.cloud, 'gcp');
    assert.deepEqual(profile?.regions, ['us-central1', 'europe-west4']);
    assert.equal(profile?.image, GCP_DEFAULT_IMAGE);
    assert.equal(profile?.checkpoint?.bucket, 'my_ckpts');
  });

  it('is "aws" when the profile does not say, and keeps the AMI alias default', () => {
    const { profile } = parseProfile('{ "name": "llama", "regions": ["us-east-1"], "instanceTypes": ["g5.xlarge"], "maxPrice": 2 }', FILE);
    assert.equal(profile?.cloud, 'aws');
    assert.equal(profile?.image, 'dlami:pytorch');
  });

  it("refuses one cloud's words in another's profile, naming what fits", () => {
    const onAws = problemsOf('{ "name": "x", "regions": ["us-central1"], "instanceTypes": ["g2-standard-4"], "maxPrice": 2, "image": "projects/deeplearning-platform-release/global/images/family/pytorch-latest-gpu" }');
    assert.equal(onAws.length, 3, onAws.join('; '));
    assert.match(onAws[0], /"us-central1" is not allowed for "regions": expected an AWS region name such as "us-east-1"/);
    assert.match(onAws[1], /expected an EC2 instance type such as "g5.xlarge"/);
    assert.match(onAws[2], /expected an AMI id/);
    const onGcp = problemsOf('{ "name": "x", "cloud": "gcp", "regions": ["us-east-1"], "instanceTypes": ["g5.xlarge"], "maxPrice": 2, "checkpoint": { "bucket": "my.ckpts", "prefix": "p/" } }');
    assert.equal(onGcp.length, 3, onGcp.join('; '));
    assert.match(onGcp[0], /expected a Google Cloud region name such as "us-central1"/);
    assert.match(onGcp[1], /expected a Compute Engine machine type such as "g2-standard-4"/);
    assert.match(onGcp[2], /expected a Cloud Storage bucket name/);
  });

  it('refuses an unknown cloud without judging the rest', () => {
    assert.deepEqual(problemsOf('{ "name": "x", "cloud": "oracle", "regions": ["whatever"], "instanceTypes": ["g5.xlarge"], "maxPrice": 2 }'), [
      '"oracle" is not allowed for "cloud": use one of aws, gcp, azure',
    ]);
  });

  it('reads an Azure profile in Azure\'s words (regions, VM sizes, an image URN, "<account>/<container>") and refuses AWS words there', () => {
    const { profile, problems } = parseProfile('{ "name": "x", "cloud": "azure", "regions": ["eastus", "westeurope"], "instanceTypes": ["Standard_NC4as_T4_v3"], "maxPrice": 2, "checkpoint": { "bucket": "mylab1/checkpoints", "prefix": "p/" } }', FILE);
    assert.deepEqual(problems, []);
    assert.equal(profile?.image, AZURE_DEFAULT_IMAGE);
    assert.equal(profile?.checkpoint?.bucket, 'mylab1/checkpoints');
    assert.deepEqual(validateProfile(profile, { knownRegions: [], knownInstanceTypes: [] }), []);
    const onAzure = problemsOf('{ "name": "x", "cloud": "azure", "regions": ["us-east-1"], "instanceTypes": ["g5.xlarge"], "maxPrice": 2, "image": "ami-0123456789abcdef0", "checkpoint": { "bucket": "my-bucket", "prefix": "p/" } }');
    assert.equal(onAzure.length, 4, onAzure.join('; '));
    assert.match(onAzure[0], /expected an Azure region name such as "eastus"/);
    assert.match(onAzure[1], /expected an Azure VM size such as "Standard_NC4as_T4_v3"/);
    assert.match(onAzure[2], /expected a marketplace image URN/);
    assert.match(onAzure[3], /"<account>\/<container>"/);
    const gpu = parseProfile('{ "name": "x", "cloud": "azure", "regions": ["eastus"], "gpu": "T4", "gpus": 1, "maxPrice": 2 }', FILE);
    assert.deepEqual(validateProfile(gpu.profile!, { knownRegions: [], knownInstanceTypes: [], locate: gpu.locate }), [], 'a GPU need is expanded from the Azure catalog at launch (withCloudMachineTypes)');
  });

  it('judges a Google Cloud profile by what this version can launch there, not against AWS catalogs', () => {
    const plain = parseProfile('{ "name": "x", "cloud": "gcp", "regions": ["us-central1"], "instanceTypes": ["g2-standard-4"], "maxPrice": 2 }', FILE);
    assert.deepEqual(validateProfile(plain.profile!, { knownRegions: ['us-east-1'], knownInstanceTypes: ['g5.xlarge'], locate: plain.locate }), []);
    const resuming = parseProfile('{ "name": "x", "cloud": "gcp", "regions": ["us-central1"], "gpu": "L4", "gpus": 1, "maxPrice": 2, "checkpoint": { "bucket": "b_1", "prefix": "p/" }, "session": { "command": "python3 train.py" } }', FILE);
    const problems = validateProfile(resuming.profile!, { knownRegions: [], knownInstanceTypes: [], locate: resuming.locate });
    assert.deepEqual(problems, [], 'checkpoints, a session and a GPU need are fine there (the need is expanded from the Google Cloud catalog at launch)');
  });

  it('has the same per-cloud patterns in the JSON schema as the parser', () => {
    type Patterns = { properties: { regions: { items: { pattern: string } }; instanceTypes: { items: { pattern: string } }; image: { pattern: string }; checkpoint: { properties: { bucket: { pattern: string } } } } };
    const schema = JSON.parse(fs.readFileSync(path.resolve('resources/schemas/profile.schema.json'), 'utf8')) as { allOf: Array<{ if: unknown; then: Patterns }> };
    const [gcp, azure, aws] = schema.allOf;
    assert.deepEqual(gcp.if, { required: ['cloud'], properties: { cloud: { const: 'gcp' } } });
    assert.deepEqual(azure.if, { required: ['cloud'], properties: { cloud: { const: 'azure' } } });
    assert.deepEqual(aws.if, { not: { required: ['cloud'], properties: { cloud: { enum: ['gcp', 'azure'] } } } });
    const same = (schemaPattern: string, parser: RegExp): void => assert.equal(schemaPattern, parser.source.replace(/\(\?:/g, '(').replace(/\\\//g, '/'));
    same(gcp.then.properties.regions.items.pattern, GCP_REGION);
    same(gcp.then.properties.instanceTypes.items.pattern, GCP_MACHINE_TYPE);
    same(gcp.then.properties.image.pattern, GCP_IMAGE);
    same(gcp.then.properties.checkpoint.properties.bucket.pattern, GCS_BUCKET);
    same(azure.then.properties.regions.items.pattern, AZURE_REGION);
    same(azure.then.properties.instanceTypes.items.pattern, AZURE_VM_SIZE);
    same(azure.then.properties.image.pattern, AZURE_IMAGE);
    same(azure.then.properties.checkpoint.properties.bucket.pattern, AZURE_BLOB_CONTAINER);
    same(aws.then.properties.instanceTypes.items.pattern, EC2_INSTANCE_TYPE);
    same(aws.then.properties.checkpoint.properties.bucket.pattern, S3_BUCKET);
    assert.ok(new RegExp(aws.then.properties.image.pattern).test('ami-0123456789abcdef0') && AMI_ID.test('ami-0123456789abcdef0'));
    assert.ok(!new RegExp(aws.then.properties.image.pattern).test(GCP_DEFAULT_IMAGE));
  });
});

describe('profileFileText and "cloud"', () => {
  it('leaves the default AWS out of the file and writes another cloud right after the name', async () => {
    const { profileFileText } = await import('../../../src/core/profile/defaultProfile');
    const aws = parseProfile('{ "name": "x", "regions": ["us-east-1"], "instanceTypes": ["g5.xlarge"], "maxPrice": 2 }', FILE).profile!;
    assert.doesNotMatch(profileFileText(aws), /"cloud"/);
    const gcp = parseProfile('{ "name": "x", "cloud": "gcp", "regions": ["us-central1"], "instanceTypes": ["g2-standard-4"], "maxPrice": 2 }', FILE).profile!;
    const text = profileFileText(gcp);
    assert.match(text, /^\{\n {2}"name": "x",\n {2}"cloud": "gcp",\n/);
    assert.deepEqual(parseProfile(text, FILE).profile, gcp);
  });
});
