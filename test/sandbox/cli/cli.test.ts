import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import type { RunningSandbox } from '../../../sandbox/sandbox';
import { startTestSandbox, tempDir, stopTestSandbox } from '../e2e/sandboxHarness';

const cli = path.resolve(__dirname, '../../../../dist/cli.js');

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

// Asynchronous: the sandbox answering the CLI's requests lives in this process.
function spotbox(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('`spotbox` CLI (dist/cli.js)', function () {
  this.timeout(60_000);

  describe('offline (catalog prices)', () => {
    it('reproduces the seed article: p5.48xlarge $98.32 on-demand vs $19.66 spot is 80 % off', async () => {
      const run = await spotbox(['estimate', '--instance-type', 'p5.48xlarge', '--region', 'us-east-1', '--hours', '100', '--spot-price', '19.66', '--interruptions-per-hour', '0', '--offline', '--json']);
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(run.stdout) as Record<string, unknown>;
      for (const key of ['spotCost', 'onDemandCost', 'savingsPercent', 'expectedWallHours', 'expectedInterruptions', 'checkpointIntervalMinutes', 'priceSource']) {
        assert.ok(key in result, `--json has ${key}`);
      }
      assert.equal(result.onDemandCost, 9832);
      assert.ok(Math.abs((result.savingsPercent as number) - 80) < 0.01);
      assert.equal(result.priceSource, 'given (--spot-price)');
    });

    it('H100 interruptions at 4.1 %/h shrink the savings, less so with a checkpoint on the notice', async () => {
      const base = ['estimate', '--instance-type', 'p5.48xlarge', '--hours', '100', '--spot-price', '19.66', '--interruptions-per-hour', '4.1%', '--checkpoint-minutes', '1.5', '--offline', '--json'];
      const withNotice = JSON.parse((await spotbox(base)).stdout) as { savingsPercent: number; expectedInterruptions: number };
      const withoutNotice = JSON.parse((await spotbox([...base, '--no-notice-checkpoint'])).stdout) as { savingsPercent: number };
      assert.ok(withoutNotice.savingsPercent < withNotice.savingsPercent && withNotice.savingsPercent < 80);
      assert.ok(withNotice.expectedInterruptions > 3);
    });

    it('prints a readable table by default', async () => {
      const run = await spotbox(['estimate', '--instance-type', 'g5.xlarge', '--hours', '10', '--offline']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /Expected cost/);
      assert.match(run.stdout, /Savings: \d+\.\d %/);
      assert.match(run.stdout, /catalog, 2025-05/);
    });

    for (const [args, flag] of [
      [['--instance-type', 'p9.huge', '--hours', '3'], '--instance-type'],
      [['--instance-type', 'g5.xlarge', '--region', 'moon-1', '--hours', '3'], '--region'],
      [['--instance-type', 'g5.xlarge', '--hours', 'lots'], '--hours'],
      [['--instance-type', 'g5.xlarge', '--hours', '-3'], '--hours'],
      [['--instance-type', 'g5.xlarge', '--hours', '3', '--spot-price', 'cheap'], '--spot-price'],
      [['--instance-type', 'g5.xlarge', '--hours', '100', '--checkpoint-minutes', '0', '--no-notice-checkpoint', '--interruptions-per-hour', '0.9'], '--interruptions-per-hour'],
    ] as const) {
      it(`rejects ${args.join(' ')} with one line naming ${flag} and exit code 2`, async () => {
        const run = await spotbox(['estimate', ...args, '--offline']);
        assert.equal(run.code, 2, run.stdout);
        const lines = run.stderr.trim().split('\n');
        assert.equal(lines.length, 1, run.stderr);
        assert.ok(lines[0].includes(flag), run.stderr);
      });
    }

    it('prices --gpu ranks pools across clouds; an unknown GPU exits 2', async () => {
      const run = await spotbox(['prices', '--gpu', 'H100', '--offline', '--json']);
      assert.equal(run.code, 0, run.stderr);
      const { pools } = JSON.parse(run.stdout) as { pools: Array<{ cloud: string; spotPerHour: number; noticeSeconds: number }> };
      assert.ok(pools.some((pool) => pool.cloud === 'aws') && pools.some((pool) => pool.cloud !== 'aws'));
      assert.ok(pools.every((pool, index) => index === 0 || pools[index - 1].spotPerHour <= pool.spotPerHour));
      assert.ok(pools.filter((pool) => pool.cloud !== 'aws').every((pool) => pool.noticeSeconds === 30));
      const bad = await spotbox(['prices', '--gpu', 'Potato', '--offline']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--gpu/);
    });
  });

  describe('live prices from the sandbox cloud', () => {
    let directory: string;
    let sandbox: RunningSandbox | undefined;

    before(async () => {
      directory = tempDir('spotbox-cli-');
      sandbox = await startTestSandbox(directory);
    });

    after(async () => {
      await stopTestSandbox(sandbox, directory);
    });

    it('estimate uses the live spot and on-demand prices through the AWS profile and says so', async () => {
      const run = await spotbox(['estimate', '--instance-type', 'g5.xlarge', '--region', 'us-west-2', '--hours', '24', '--json'], { ...process.env, ...sandbox!.environment });
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(run.stdout) as { priceSource: string; onDemandPriceSource: string; spotPricePerHour: number; onDemandPricePerHour: number };
      assert.match(result.priceSource, /^live, just now \(us-west-2[a-z]\)/);
      assert.match(result.onDemandPriceSource, /^live/, 'on-demand from the Price List API');
      assert.ok(result.spotPricePerHour > 0 && result.spotPricePerHour < result.onDemandPricePerHour);
    });

    it('a region the sandbox cannot serve degrades to the catalog with a note, not a failure', async () => {
      sandbox!.ec2.throttle(1000);
      try {
        const run = await spotbox(['prices', '--gpu', 'A10G', '--regions', 'us-east-1', '--json'], { ...process.env, ...sandbox!.environment });
        assert.equal(run.code, 0, run.stderr);
        const { pools, notes } = JSON.parse(run.stdout) as { pools: Array<{ priceSource: string }>; notes: Array<{ region: string; message: string }> };
        assert.ok(pools.length > 0 && pools.every((pool) => pool.priceSource.startsWith('catalog')));
        assert.equal(notes[0]?.region, 'us-east-1');
      } finally {
        sandbox!.ec2.clearFaults();
      }
    });
  });
});
