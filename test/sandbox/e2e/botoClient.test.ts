import * as assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { startTestSandbox, tempDir, stopTestSandbox } from './sandboxHarness';

// Python's boto3/botocore is a second, independent implementation of AWS's documented protocol and of
// the shared config file (services / endpoint_url). If it works too, the sandbox is not fitted to
// the JS SDK's quirks alone.
const BOTO_SCRIPT = String.raw`
import json, time, boto3
from botocore.exceptions import ClientError
ec2 = boto3.client("ec2", region_name="us-west-2")
s3 = boto3.client("s3", region_name="us-west-2")
out = {}
out["regions"] = len(ec2.describe_regions()["Regions"])
image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
ec2.create_key_pair(KeyName="boto", KeyType="ed25519")
run = ec2.run_instances(ImageId=image, InstanceType="g5.xlarge", MinCount=1, MaxCount=1, KeyName="boto",
    InstanceMarketOptions={"MarketType": "spot", "SpotOptions": {"MaxPrice": "4.00"}},
    TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "project", "Value": "boto"}]}])
instance_id = run["Instances"][0]["InstanceId"]
found = ec2.describe_instances(Filters=[{"Name": "tag:project", "Values": ["boto"]}])
out["tagged"] = [i["InstanceId"] for r in found["Reservations"] for i in r["Instances"]] == [instance_id]
out["lifecycle"] = run["Instances"][0].get("InstanceLifecycle")
prices = ec2.describe_spot_price_history(InstanceTypes=["p5.48xlarge"], ProductDescriptions=["Linux/UNIX"], MaxResults=5)
out["prices"] = [float(p["SpotPrice"]) for p in prices["SpotPriceHistory"]]
try:
    ec2.run_instances(ImageId=image, InstanceType="g5.xlarge", MinCount=1, MaxCount=1,
        InstanceMarketOptions={"MarketType": "spot", "SpotOptions": {"MaxPrice": "0.001"}})
    out["tooLow"] = "no error"
except ClientError as error:
    out["tooLow"] = error.response["Error"]["Code"]
try:
    ec2.describe_instances(InstanceIds=["i-0123456789abcdef0"])
    out["notFound"] = "no error"
except ClientError as error:
    out["notFound"] = error.response["Error"]["Code"]
ec2.terminate_instances(InstanceIds=[instance_id])
s3.put_object(Bucket="spotbox-sandbox", Key="boto/hello.txt", Body=b"hi from boto")
out["s3"] = s3.get_object(Bucket="spotbox-sandbox", Key="boto/hello.txt")["Body"].read().decode()
print(json.dumps(out))
`;

function botoAvailable(): boolean {
  return spawnSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;
}

describe('Sandbox: another AWS client (Python boto3) through the same profile', function () {
  this.timeout(60_000);
  let directory: string;
  let sandbox: RunningSandbox | undefined;

  before(async function () {
    if (!botoAvailable()) {
      console.log('      (skipped: python3 with boto3 is not installed)');
      this.skip();
    }
    directory = tempDir('spotbox-e2e-boto-');
    sandbox = await startTestSandbox(directory);
  });

  after(async () => {
    await stopTestSandbox(sandbox, directory);
  });

  it('speaks EC2 and S3 to boto3: launch, filters, prices, EC2 error codes, S3 round trip', async () => {
    // Asynchronous on purpose: the sandbox serves from this very process.
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile('python3', ['-c', BOTO_SCRIPT], { env: { ...process.env, ...sandbox!.environment }, timeout: 45_000 }, (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
      ),
    );
    const out = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    assert.ok((out.regions as number) >= 10);
    assert.equal(out.tagged, true);
    assert.equal(out.lifecycle, 'spot');
    assert.ok(Array.isArray(out.prices) && out.prices.length > 0 && (out.prices as number[]).every((price) => price > 0 && price < 98.32));
    assert.equal(out.tooLow, 'SpotMaxPriceTooLow');
    assert.equal(out.notFound, 'InvalidInstanceID.NotFound');
    assert.equal(out.s3, 'hi from boto');
  });
});
