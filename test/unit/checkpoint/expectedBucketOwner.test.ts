import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { CopyObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { bucketOwnerRefusal } from '../../../sandbox/s3/s3Sandbox';
import { CheckpointStore } from '../../../src/core/checkpoint/checkpointStore';
import { createS3Client } from '../../../src/core/checkpoint/s3Client';
import { silentLogger } from '../../../src/core/logging/logger';
import { cloudRecoveryPorts } from '../../../src/core/recoveryPorts/cloudRecoveryPorts';
import { lineageFromLaunch } from '../../../src/core/recovery/lineageFromLaunch';
import { checkpointLineage, recordingS3, type RecordingS3 } from './recordingS3';

type Seen = http.IncomingHttpHeaders;

const signedHeaders = (headers: Seen): string[] => /SignedHeaders=([^,]+)/.exec(String(headers.authorization))?.[1]?.split(';') ?? [];

describe('checkpoint S3 requests expect the account EC2 named to own the bucket (x-amz-expected-bucket-owner)', () => {
  let s3: RecordingS3;
  const saved: Record<string, string | undefined> = {};

  beforeEach(async () => {
    for (const key of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3']) {
      saved[key] = process.env[key];
      delete process.env[key];
    }
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    s3 = await recordingS3();
  });
  afterEach(async () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await s3.close();
  });

  it('every request of a checkpoint store carries the account id, signed', async () => {
    const store = new CheckpointStore({ bucket: 'ckpts', prefix: 'spotbox' }, { region: 'us-east-1', endpoint: s3.url, expectedBucketOwner: '210987654321' });
    assert.deepEqual(await store.listSessions(), []);
    assert.equal(await store.newestCheckpoint('llama'), undefined);
    store.dispose();
    assert.ok(s3.seen.length >= 2);
    for (const headers of s3.seen) {
      assert.equal(headers['x-amz-expected-bucket-owner'], '210987654321');
      assert.ok(signedHeaders(headers).includes('x-amz-expected-bucket-owner'), `signed: ${signedHeaders(headers).join(';')}`);
    }
  });

  it('a copy also expects the account to own the source bucket; other commands do not send the source header', async () => {
    const client = await createS3Client({ region: 'us-east-1', endpoint: s3.url, expectedBucketOwner: '210987654321' });
    await client.send(new CopyObjectCommand({ Bucket: 'ckpts', Key: 'b', CopySource: 'ckpts/a' }));
    await client.send(new PutObjectCommand({ Bucket: 'ckpts', Key: 'c', Body: 'x' }));
    client.destroy();
    const [copy, put] = s3.seen;
    assert.equal(copy['x-amz-expected-bucket-owner'], '210987654321');
    assert.equal(copy['x-amz-source-expected-bucket-owner'], '210987654321');
    assert.ok(signedHeaders(copy).includes('x-amz-source-expected-bucket-owner'));
    assert.equal(put['x-amz-expected-bucket-owner'], '210987654321');
    assert.equal(put['x-amz-source-expected-bucket-owner'], undefined);
  });

  it('a value that is no account id is refused before anything is sent', async () => {
    await assert.rejects(createS3Client({ region: 'us-east-1', endpoint: s3.url, expectedBucketOwner: '1234 or other' }), /Not an AWS account id/);
  });

  it('without an account id (a lineage recorded before it was) the requests go without the header', async () => {
    const store = new CheckpointStore({ bucket: 'ckpts', prefix: 'spotbox' }, { region: 'us-east-1', endpoint: s3.url });
    await store.listSessions();
    store.dispose();
    assert.equal(s3.seen[0]['x-amz-expected-bucket-owner'], undefined);
  });

  it('the recovery takes the account from the lineage record', async () => {
    process.env.AWS_ENDPOINT_URL_S3 = s3.url;
    const record = checkpointLineage({ accountId: '210987654321' });
    const ports = cloudRecoveryPorts({
      clients: () => assert.fail('EC2 is not used'),
      endpointOf: async () => assert.fail('SSH is not used'),
      releaseLaunchResources: async () => undefined,
      ownerId: 'owner-1',
      logger: silentLogger,
    });
    assert.equal(await ports.newestCheckpoint(record), undefined);
    assert.ok(s3.seen.length > 0);
    assert.ok(s3.seen.every((headers) => headers['x-amz-expected-bucket-owner'] === '210987654321'));
  });

  it('the lineage records the account EC2 gave for the launched instance', () => {
    const profile = { name: 'llama', workspaceDir: '~/workspace', checkpoint: { bucket: 'ckpts', prefix: '/spotbox/' }, idleStopMinutes: 0 } as unknown as Parameters<typeof lineageFromLaunch>[0];
    const launched = { instanceId: 'i-0abc', region: 'us-east-1', accountId: '210987654321' } as unknown as Parameters<typeof lineageFromLaunch>[2];
    const request = { lineage: 'llama-0a1b2c3d' } as unknown as Parameters<typeof lineageFromLaunch>[1];
    assert.equal(lineageFromLaunch(profile, request, launched, '~/checkpoints').accountId, '210987654321');
    assert.equal('accountId' in lineageFromLaunch(profile, request, { ...launched, accountId: undefined }, '~/checkpoints'), false);
  });
});

describe('the sandbox S3 checks the expected bucket owner as S3 does', () => {
  it('the sandbox account passes, another account is AccessDenied, a non-account is InvalidBucketOwnerAWSAccountID', () => {
    assert.equal(bucketOwnerRefusal({}), undefined);
    assert.equal(bucketOwnerRefusal({ 'x-amz-expected-bucket-owner': '123456789012' }), undefined);
    assert.deepEqual(bucketOwnerRefusal({ 'x-amz-expected-bucket-owner': '111111111111' }), { status: 403, code: 'AccessDenied', message: 'Access Denied' });
    assert.equal(bucketOwnerRefusal({ 'x-amz-expected-bucket-owner': '123456789012', 'x-amz-source-expected-bucket-owner': '111111111111' })?.status, 403);
    assert.equal(bucketOwnerRefusal({ 'x-amz-expected-bucket-owner': 'abc' })?.code, 'InvalidBucketOwnerAWSAccountID');
    assert.equal(bucketOwnerRefusal({ 'x-amz-expected-bucket-owner': 'abc' })?.status, 400);
  });
});
