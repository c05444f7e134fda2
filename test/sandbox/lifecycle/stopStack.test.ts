import * as assert from 'node:assert/strict';
import { StopStack } from '../../../sandbox/stopStack';

describe('StopStack (what a sandbox started, stopped again)', () => {
  it('stops newest first, each once, and goes on past a stop that fails', async () => {
    const stopped: string[] = [];
    const failures: unknown[] = [];
    const stops = new StopStack((error) => failures.push(error));
    stops.push(async () => void stopped.push('s3'));
    stops.push(async () => {
      stopped.push('ec2');
      throw new Error('port already closed');
    });
    stops.push(async () => void stopped.push('control'));

    await stops.stopAll();
    await stops.stopAll();

    assert.deepEqual(stopped, ['control', 'ec2', 's3']);
    assert.deepEqual(failures.map(String), ['Error: port already closed']);
  });
});
