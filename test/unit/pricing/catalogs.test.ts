import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCatalogs } from '../../../src/core/pricing/catalogLoader';
import { CATALOG_FILES } from '../../../src/core/pricing/catalogTypes';
import { awsGpuSpec } from '../../../src/core/pricing/gpuSpecs';

const RESOURCES = path.resolve(__dirname, '../../../../resources/prices');

const made: string[] = [];

/** A copy of the real catalogs with one file replaced by `content`. */
function catalogsWith(file: string, content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-prices-'));
  made.push(dir);
  for (const name of Object.values(CATALOG_FILES)) fs.copyFileSync(path.join(RESOURCES, name), path.join(dir, name));
  fs.writeFileSync(path.join(dir, file), content);
  return dir;
}

/** The real catalog with the field at `fieldPath` set to `value` (deleted when undefined). */
function edited(file: string, fieldPath: string[], value: unknown): string {
  const json = JSON.parse(fs.readFileSync(path.join(RESOURCES, file), 'utf8')) as Record<string, unknown>;
  const parent = fieldPath.slice(0, -1).reduce((node, key) => node[key] as Record<string, unknown>, json);
  const last = fieldPath[fieldPath.length - 1];
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return catalogsWith(file, JSON.stringify(json));
}

describe('loadCatalogs', () => {
  after(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  it('loads and validates the shipped catalogs', async () => {
    const catalogs = await loadCatalogs(RESOURCES);
    assert.equal(catalogs.onDemand.instanceTypes['p5.48xlarge'].prices['us-east-1'].usdPerHour, 98.32);
    assert.equal(catalogs.advisor.estimate, true);
    assert.equal(catalogs.gcp.noticeSeconds, 30);
    assert.equal(catalogs.azure.cloud, 'azure');
  });

  it('has GPU specs and advisor entries for every AWS type and region of the on-demand catalog', async () => {
    const catalogs = await loadCatalogs(RESOURCES);
    for (const [type, entry] of Object.entries(catalogs.onDemand.instanceTypes)) {
      assert.ok(awsGpuSpec(type), `GPU spec for ${type}`);
      for (const region of Object.keys(entry.prices)) assert.ok(catalogs.advisor.spot_advisor[region]?.Linux[type], `advisor ${region} ${type}`);
    }
  });

  it('names the file and field of a bad price', async () => {
    const dir = edited(CATALOG_FILES.onDemand, ['instanceTypes', 'p5.48xlarge', 'prices', 'us-east-1', 'usdPerHour'], 'cheap');
    await assert.rejects(loadCatalogs(dir), /aws-ec2-gpu-on-demand\.json: instanceTypes\["p5\.48xlarge"\]\.prices\["us-east-1"\]\.usdPerHour must be a number/);
  });

  it('rejects an advisor range index outside 0..4', async () => {
    const dir = edited(CATALOG_FILES.advisor, ['spot_advisor', 'us-west-2', 'Linux', 'p5.48xlarge', 'r'], 7);
    await assert.rejects(loadCatalogs(dir), /aws-spot-advisor\.json: spot_advisor\["us-west-2"\]\.Linux\["p5\.48xlarge"\]\.r must be a number in \[0, 4\]/);
  });

  it('rejects a catalog for the wrong cloud and a missing as-of date', async () => {
    await assert.rejects(loadCatalogs(edited(CATALOG_FILES.gcp, ['cloud'], 'azure')), /gcp-gpu\.json: cloud must be "gcp"/);
    await assert.rejects(loadCatalogs(edited(CATALOG_FILES.azure, ['asOf'], undefined)), /azure-gpu\.json: asOf must be a non-empty string, got nothing \(missing\)/);
  });

  it('says which file is not JSON or missing', async () => {
    await assert.rejects(loadCatalogs(catalogsWith(CATALOG_FILES.gcp, '{ "cloud": ')), /gcp-gpu\.json: \(file\) is not valid JSON/);
    const dir = catalogsWith(CATALOG_FILES.azure, '{}');
    fs.rmSync(path.join(dir, CATALOG_FILES.azure));
    await assert.rejects(loadCatalogs(dir), /azure-gpu\.json: \(file\) is missing: expected it at/);
  });
});
