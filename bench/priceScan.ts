import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startSandbox } from '../sandbox/sandbox';
import { Ec2SpotPrices } from '../src/core/aws/ec2SpotPrices';
import { loadCatalogs } from '../src/core/pricing/catalogLoader';
import { PriceService } from '../src/core/pricing/priceService';
import { runBench } from './benchCli';

/**
 * `node out/bench/priceScan.js`: how long a full price scan (every catalog region, every GPU type,
 * real SDK against the sandbox) takes, without and with latency added to each region. Cold scans
 * only: a fresh PriceService each time so nothing comes from its cache.
 */
const LATENCY_MS = 1500;
const RUNS = 5;

async function main(): Promise<void> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-bench-prices-'));
  const sandbox = await startSandbox({ directory, bootDelayMs: { min: 0, max: 0 } });
  Object.assign(process.env, sandbox.environment);
  const source = new Ec2SpotPrices();
  try {
    const catalogs = await loadCatalogs(path.resolve(__dirname, '../../resources/prices'));
    const regions = Object.keys(catalogs.onDemand.regions);
    const scanOnce = async (): Promise<{ ms: number; pools: number; live: number }> => {
      const service = new PriceService({ catalogs, spotPriceSource: source, clock: { now: () => Date.now() }, ttlMs: 60_000 });
      const started = performance.now();
      const scan = await service.scanPools({ regions });
      if (scan.notes.some((note) => note.message.startsWith('Live'))) throw new Error(`a region failed: ${JSON.stringify(scan.notes)}`);
      return { ms: performance.now() - started, pools: scan.pools.length, live: scan.pools.filter((p) => p.spot.source === 'live').length };
    };
    await scanOnce(); // warm-up: loads the SDK and opens the connections

    const report = async (label: string): Promise<void> => {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await scanOnce());
      const times = runs.map((r) => r.ms).sort((a, b) => a - b);
      console.log(`${label}: median ${times[Math.floor(times.length / 2)].toFixed(0)} ms, min ${times[0].toFixed(0)}, max ${times[times.length - 1].toFixed(0)} over ${RUNS} scans; ${runs[0].pools} pools, ${runs[0].live} live, ${regions.length} regions`);
    };
    await report('full scan, no added latency');
    for (const region of regions) sandbox.ec2.addLatency(LATENCY_MS, region);
    await report(`full scan, ${LATENCY_MS} ms added to each of ${regions.length} regions`);
    sandbox.ec2.clearFaults();
  } finally {
    source.dispose();
    await sandbox.stop();
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

runBench(main);
