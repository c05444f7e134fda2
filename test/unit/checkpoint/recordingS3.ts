import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LineageRecord } from '../../../src/core/recovery/recoveryTypes';

export interface RecordingS3 {
  readonly url: string;
  /** The headers of every request, in order. */
  readonly seen: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

/** An S3 endpoint that lists no checkpoints (and copies anything) and keeps the headers of each request. */
export async function recordingS3(): Promise<RecordingS3> {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((request, response) => {
    seen.push(request.headers);
    request.resume();
    response.writeHead(200, { 'content-type': 'application/xml' });
    response.end(
      request.method === 'GET'
        ? '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>ckpts</Name><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>'
        : '<?xml version="1.0" encoding="UTF-8"?><CopyObjectResult><ETag>"x"</ETag></CopyObjectResult>',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A lineage whose checkpoints are in bucket "ckpts" under "spotbox", as the recovery reads it. */
export function checkpointLineage(extra: Partial<LineageRecord> = {}): LineageRecord {
  return {
    lineage: 'llama-0a1b2c3d',
    boxName: 'llama',
    region: 'us-east-1',
    checkpointDir: '~/checkpoints',
    workspaceDir: '~/workspace',
    checkpoint: { bucket: 'ckpts', prefix: 'spotbox' },
    currentInstanceId: 'i-0abc',
    instanceIds: ['i-0abc'],
    ...extra,
  } as unknown as LineageRecord;
}
