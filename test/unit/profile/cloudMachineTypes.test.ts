import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { SpotboxError } from '../../../src/core/errors';
import { loadCatalogs } from '../../../src/core/pricing/catalogLoader';
import type { Catalogs } from '../../../src/core/pricing/catalogTypes';
import { expandPools, withCloudMachineTypes } from '../../../src/core/profile/expandPools';
import { parseProfile } from '../../../src/core/profile/parseProfile';
import type { SpotboxProfile } from '../../../src/core/profile/profileTypes';

const profileOf = (fields: Record<string, unknown>): SpotboxProfile => {
  const result = parseProfile(JSON.stringify({ name: 'big', maxPrice: 60, ...fields }), 'profile.json');
  assert.deepEqual(result.problems, []);
  return result.profile!;
};

describe('a GPU need expands per cloud ("8x H100" is p5.48xlarge / a3-highgpu-8g / Standard_ND96isr_H100_v5)', () => {
  let catalogs: Catalogs;
  before(async () => {
    catalogs = await loadCatalogs(path.resolve('resources/prices'));
  });

  it('gives each cloud its own machine types for the same need', () => {
    const need = { gpu: 'H100', gpus: 8 };
    assert.deepEqual(expandPools(profileOf({ ...need, regions: ['us-east-1'] }), catalogs)[0].instanceTypes, ['p5.48xlarge']);
    assert.deepEqual(withCloudMachineTypes(profileOf({ ...need, cloud: 'gcp', regions: ['us-central1'] }), catalogs).instanceTypes, ['a3-highgpu-8g']);
    assert.deepEqual(withCloudMachineTypes(profileOf({ ...need, cloud: 'azure', regions: ['eastus'] }), catalogs).instanceTypes, ['Standard_ND96isr_H100_v5']);
  });

  it('lists the cheapest Spot type first, leaves out what the launch cannot make yet (N1 with attached GPUs), and keeps explicit types', () => {
    const a100 = withCloudMachineTypes(profileOf({ cloud: 'azure', regions: ['eastus'], gpu: 'A100', gpus: 1 }), catalogs).instanceTypes!;
    assert.equal(a100[0], 'Standard_NC24ads_A100_v4');
    assert.ok(a100.includes('Standard_NC96ads_A100_v4'));
    // Google's T4 comes only attached to N1 machines (the catalog's "n1-standard-8+1xT4").
    assert.throws(() => withCloudMachineTypes(profileOf({ cloud: 'gcp', regions: ['us-central1'], gpu: 'T4', gpus: 1 }), catalogs), /has 1x T4 in us-central1/);
    const explicit = profileOf({ cloud: 'gcp', regions: ['us-central1'], instanceTypes: ['g2-standard-8'] });
    assert.equal(withCloudMachineTypes(explicit, catalogs), explicit);
  });

  it('says so when the cloud has no such GPU in the profile\'s regions, nothing created', () => {
    assert.throws(
      () => withCloudMachineTypes(profileOf({ cloud: 'azure', regions: ['eastus'], gpu: 'L4', gpus: 1 }), catalogs),
      (error: unknown) => error instanceof SpotboxError && /No Azure VM size in Spotbox's Azure catalog has 1x L4 in eastus/.test(error.message) && /instanceTypes/.test(error.nextStep ?? ''),
    );
  });
});
