import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadCatalogs } from '../../../src/core/pricing/catalogLoader';
import type { Catalogs } from '../../../src/core/pricing/catalogTypes';
import { parseProfile } from '../../../src/core/profile/parseProfile';
import { catalogContext, validateProfile } from '../../../src/core/profile/validateProfile';
import { expandPools } from '../../../src/core/profile/expandPools';
import { toLaunchRequest } from '../../../src/core/profile/toLaunchRequest';
import type { SpotboxProfile } from '../../../src/core/profile/profileTypes';

function parsed(text: string): { profile: SpotboxProfile; locate: ReturnType<typeof parseProfile>['locate'] } {
  const result = parseProfile(text, 'profile.json');
  assert.deepEqual(result.problems, []);
  return { profile: result.profile!, locate: result.locate };
}

describe('Profile against the catalogs: validateProfile, expandPools, toLaunchRequest', () => {
  let catalogs: Catalogs;
  before(async () => {
    catalogs = await loadCatalogs(path.resolve('resources/prices'));
  });

  it('expands 8x H100 to the types offered in each region (none where p5 is not sold)', () => {
    const { profile } = parsed('{"name":"big","regions":["us-east-1","us-west-1"],"gpu":"H100","gpus":8,"maxPrice":60}');
    assert.deepEqual(expandPools(profile, catalogs), [
      { region: 'us-east-1', instanceTypes: ['p5.48xlarge'] },
      { region: 'us-west-1', instanceTypes: [] },
    ]);
    assert.deepEqual(validateProfile(profile, catalogContext(catalogs)), []);
  });

  it('expands 4x A10G to every g5 size with at least 4 GPUs', () => {
    const { profile } = parsed('{"name":"mid","regions":["eu-west-1"],"gpu":"A10G","gpus":4,"maxPrice":9}');
    assert.deepEqual(expandPools(profile, catalogs)[0].instanceTypes, ['g5.12xlarge', 'g5.24xlarge', 'g5.48xlarge']);
  });

  it('keeps explicit instance types as written in every region', () => {
    const { profile } = parsed('{"name":"x","regions":["us-east-1","eu-west-1"],"instanceTypes":["g5.xlarge","g4dn.xlarge"],"maxPrice":2}');
    assert.deepEqual(expandPools(profile, catalogs).map((p) => p.instanceTypes), [['g5.xlarge', 'g4dn.xlarge'], ['g5.xlarge', 'g4dn.xlarge']]);
  });

  it('reports unknown regions and types at their position in the file', () => {
    const text = '{\n  "name": "x",\n  "regions": ["us-east-1", "us-east-9"],\n  "instanceTypes": ["g5.xlarge", "g9.huge"],\n  "maxPrice": 2\n}';
    const { profile, locate } = parsed(text);
    const problems = validateProfile(profile, catalogContext(catalogs, locate));
    assert.deepEqual(problems.map((p) => [p.path.join('.'), p.line, p.column, p.length]), [['regions.1', 3, 28, 11], ['instanceTypes.1', 4, 34, 9]]);
    assert.match(problems[0].message, /unknown region "us-east-9": use one of .*us-east-1/);
    assert.match(problems[1].message, /unknown instance type "g9.huge"/);
  });

  it('reports a GPU need no region of the profile offers', () => {
    const { profile, locate } = parsed('{"name":"x","regions":["us-west-1"],"gpu":"H200","gpus":8,"maxPrice":90}');
    const [problem] = validateProfile(profile, catalogContext(catalogs, locate));
    assert.deepEqual(problem.path, ['gpu']);
    assert.match(problem.message, /no instance type with 8 or more H200 GPUs is offered in us-west-1/);
  });

  it('toLaunchRequest maps the profile and one region to a LaunchRequest', () => {
    const { profile } = parsed('{"name":"llama","regions":["us-east-1"],"gpu":"A10G","gpus":1,"maxPrice":1.2,"volumeGb":150,"onDemandFallback":true}');
    const [pools] = expandPools(profile, catalogs);
    const request = toLaunchRequest(profile, { pools, imageId: 'ami-0123456789abcdef0', callerCidr: '203.0.113.7/32', keyDirectory: '/tmp/keys', owner: 'me' });
    assert.equal(request.boxName, 'llama');
    assert.equal(request.region, 'us-east-1');
    assert.ok(request.pools.some((p) => p.instanceType === 'g5.xlarge'));
    assert.deepEqual(
      [request.imageId, request.maxPricePerHour, request.allocationStrategy, request.onDemandFallback, request.volumeGb, request.sshCidr, request.owner, request.keyDirectory],
      ['ami-0123456789abcdef0', 1.2, 'price-capacity-optimized', true, 150, '203.0.113.7/32', 'me', '/tmp/keys'],
    );
    assert.throws(() => toLaunchRequest(profile, { pools, imageId: 'ami-1', callerCidr: '0.0.0.0/0', keyDirectory: '/k', owner: 'me' }), /not a single address/);
    assert.throws(() => toLaunchRequest(profile, { pools: { region: 'us-east-1', instanceTypes: [] }, imageId: 'ami-1', callerCidr: '1.2.3.4/32', keyDirectory: '/k', owner: 'me' }), /No instance type/);
  });
});
