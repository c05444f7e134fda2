import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadCatalogs } from '../../../src/core/pricing/catalogLoader';
import type { Catalogs } from '../../../src/core/pricing/catalogTypes';
import { parseProfile } from '../../../src/core/profile/parseProfile';
import { PROFILE_DEFAULTS } from '../../../src/core/profile/profileTypes';
import { catalogContext, validateProfile } from '../../../src/core/profile/validateProfile';
import { ProfileWizard } from '../../../src/core/profile/wizard/profileWizard';
import type { WizardContext } from '../../../src/core/profile/wizard/wizardTypes';
import { input, pick, walk } from './wizardDriver';

describe('ProfileWizard (the launch-profile wizard, as a state machine)', () => {
  let catalogs: Catalogs;
  let context: WizardContext;
  before(async () => {
    catalogs = await loadCatalogs(path.resolve('resources/prices'));
    context = { catalogs, knownRegions: Object.keys(catalogs.onDemand.regions), defaultName: 'my-project', defaultRegions: ['us-west-2', 'mars-east-1'] };
  });

  it('accepting every default gives a launchable profile in nine steps', () => {
    const wizard = new ProfileWizard(context);
    assert.deepEqual(walk(wizard), ['1/9 name', '2/9 regions', '3/9 capacity', '4/9 maxPrice', '5/9 image', '6/9 sshUser', '7/9 workspaceDir', '8/9 checkpointBucket', '9/9 review']);
    assert.ok(wizard.done);
    assert.deepEqual(wizard.profile(), {
      name: 'my-project',
      regions: ['us-west-2'],
      gpu: 'A10G',
      gpus: 1,
      maxPrice: 0.61,
      ...PROFILE_DEFAULTS,
    });
    const parsed = parseProfile(wizard.fileText(), '.spotbox/profile.json');
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(validateProfile(parsed.profile!, catalogContext(catalogs, parsed.locate)), []);
    assert.deepEqual(parsed.profile, wizard.profile());
  });

  it('opens every step with a default: the first has no Back, and a single pick has its default focused', () => {
    const wizard = new ProfileWizard(context);
    const name = input(wizard.current);
    assert.equal(name.canGoBack, false);
    assert.equal(name.value, 'my-project');
    wizard.answer('llama-ft');
    const regions = pick(wizard.current);
    assert.equal(regions.canGoBack, true);
    assert.deepEqual(regions.items.filter((item) => item.picked).map((item) => item.id), ['us-west-2'], 'the settings regions the catalog knows');
    assert.equal(regions.items.find((item) => item.id === 'us-east-1')?.description, 'US East (N. Virginia)');
    wizard.answer(['us-east-1', 'us-west-2']);
    const capacity = pick(wizard.current);
    assert.equal(capacity.activeId, '1x A10G');
    const a10g = capacity.items.find((item) => item.id === '1x A10G');
    assert.match(a10g?.description ?? '', /^from \$1\.006\/h on-demand \(g5\.xlarge, us-(east-1|west-2)\)$/);
    assert.match(a10g?.detail ?? '', /^8 type\(s\): g5\.12xlarge, .*g5\.xlarge$/);
    assert.equal(capacity.items.at(-1)?.id, 'types');
    const cheapestFirst = capacity.items.slice(0, -1).map((item) => Number(/\$([\d.]+)/.exec(item.description ?? '')?.[1]));
    assert.deepEqual(cheapestFirst, [...cheapestFirst].sort((a, b) => a - b));
  });

  it('goes back step by step with every answer kept', () => {
    const wizard = new ProfileWizard(context);
    walk(wizard, { name: 'llama-ft', regions: ['eu-west-1', 'us-east-1'], capacity: '4x A10G' }, 'maxPrice');
    wizard.back();
    assert.equal(pick(wizard.current).activeId, '4x A10G');
    wizard.back();
    assert.deepEqual(pick(wizard.current).items.filter((item) => item.picked).map((item) => item.id).sort(), ['eu-west-1', 'us-east-1']);
    wizard.back();
    assert.equal(input(wizard.current).value, 'llama-ft');
    wizard.back();
    assert.equal(wizard.current.id, 'name', 'back on the first step stays there');
  });

  it('refuses bad answers with the profile parser\'s own words, and warns on a max price below spot', () => {
    const wizard = new ProfileWizard(context);
    const name = input(wizard.current);
    assert.match(name.validate('Llama FT')?.message ?? '', /"Llama FT" is not allowed for "name": expected lower-case letters, digits and dashes/);
    assert.equal(wizard.answer('Llama FT')?.severity, 'error');
    assert.equal(wizard.current.id, 'name');
    wizard.answer('llama');
    assert.match(wizard.answer([])?.message ?? '', /Pick at least one region/);
    walk(wizard, {}, 'maxPrice');
    wizard.setSpotQuote(wizard.priceQuery!.key, { usdPerHour: 0.4012, instanceType: 'g5.xlarge', region: 'us-west-2', source: 'live' });
    const price = input(wizard.current);
    assert.equal(price.value, '0.61');
    assert.match(price.prompt, /Suggested: cheapest spot \$0\.401\/h \(g5\.xlarge in us-west-2, live\) × 1\.5\./);
    for (const bad of ['0', '-1', 'abc', '', '1.5.2']) {
      assert.equal(price.validate(bad)?.severity, 'error', bad);
      assert.match(wizard.answer(bad)?.message ?? '', /greater than 0, such as 1\.5/);
    }
    assert.deepEqual(price.validate('0.3'), { severity: 'warning', message: 'Below the cheapest spot price ($0.401/h): launches are refused until spot gets cheaper.' });
    assert.equal(price.validate('$2.5/h'), undefined);
    assert.equal(wizard.answer('$2.5/h'), undefined);
    walk(wizard, {}, 'sshUser');
    assert.match(wizard.answer('Root User')?.message ?? '', /"Root User" is not allowed for "sshUser": expected a Linux user name/);
    wizard.answer('ubuntu');
    assert.match(wizard.answer('workspace')?.message ?? '', /expected an absolute path or one under ~/);
    wizard.answer('/data/ws');
    const bucket = input(wizard.current);
    assert.equal(bucket.value, '');
    assert.match(bucket.validate('My_Bucket')?.message ?? '', /S3 bucket name/);
    assert.equal(wizard.answer('my-ckpts'), undefined);
    walk(wizard);
    assert.deepEqual(wizard.profile().checkpoint, { bucket: 'my-ckpts', prefix: 'spotbox/llama/', directory: '~/checkpoints', intervalMinutes: 'auto' }, 'no session given: no signal');
    assert.equal(wizard.profile().maxPrice, 2.5);
    assert.equal(wizard.profile().workspaceDir, '/data/ws');
  });

  it('takes exact instance types from the catalog, with GPUs and on-demand prices, priced from the catalog when offline', () => {
    const wizard = new ProfileWizard(context);
    walk(wizard, { regions: ['us-east-1'], capacity: 'types' }, 'instanceTypes');
    const types = pick(wizard.current);
    assert.equal(types.step, 3, 'a follow-up shares its step number');
    assert.deepEqual(types.items.filter((item) => item.picked).map((item) => item.id), [types.items[0].id], 'the cheapest is ticked');
    assert.equal(types.items.find((item) => item.id === 'p5.48xlarge')?.description, '8x H100 · 640 GiB · $98.32/h on-demand (us-east-1)');
    assert.match(wizard.answer([])?.message ?? '', /at least one instance type/);
    wizard.answer(['g6.xlarge', 'g5.xlarge', 'no-such.type']);
    const query = wizard.priceQuery;
    assert.deepEqual(query && { regions: query.regions, instanceTypes: query.instanceTypes, gpu: query.gpu }, { regions: ['us-east-1'], instanceTypes: ['g6.xlarge', 'g5.xlarge'], gpu: undefined }, 'cheapest first');
    wizard.setSpotQuote(query!.key, undefined);
    assert.equal(wizard.priceQuery, undefined, 'asked once');
    const price = input(wizard.current);
    assert.match(price.prompt, /Suggested: cheapest spot \$[\d.]+\/h \(g[56]\.xlarge in us-east-1, catalog estimate\) × 1\.5\./);
    walk(wizard);
    assert.deepEqual(wizard.profile().instanceTypes, ['g6.xlarge', 'g5.xlarge']);
    assert.equal(wizard.profile().gpu, undefined);
    assert.deepEqual(parseProfile(wizard.fileText(), 'p').problems, []);
  });

  it('asks for an AMI id when chosen, warning that it belongs to one region', () => {
    const wizard = new ProfileWizard(context);
    walk(wizard, { regions: ['us-east-1', 'us-west-2'], image: ['ami'] }, 'amiId');
    const ami = input(wizard.current);
    assert.match(ami.prompt, /exists in one region only: launches in the other regions of this profile \(us-east-1, us-west-2\) will fail/);
    assert.match(ami.validate('')?.message ?? '', /Enter an AMI id/);
    assert.match(ami.validate('ami-xyz')?.message ?? '', /not allowed for "image"/);
    walk(wizard, { amiId: 'ami-0123456789abcdef0' });
    assert.equal(wizard.profile().image, 'ami-0123456789abcdef0');
  });

  it('shows the file in the review, and a line picked there is changed and leads back to the review', () => {
    const wizard = new ProfileWizard(context);
    walk(wizard, { regions: ['us-east-1'] }, 'review');
    const review = pick(wizard.current);
    assert.equal(review.activeId, 'write');
    assert.equal(review.items[0].detail, wizard.fileText().replace(/\s+/g, ' ').trim());
    assert.deepEqual(review.items.slice(1, 4).map((item) => item.label), ['"name": "my-project"', '"regions": ["us-east-1"]', '"gpu": "A10G"']);

    wizard.answer('edit:sshUser');
    assert.equal(wizard.current.id, 'sshUser');
    wizard.answer('ec2-user');
    assert.equal(wizard.current.id, 'review', 'straight back to the review');

    // Other GPUs mean other prices: the max price is asked again, with a new suggestion.
    wizard.answer('edit:capacity');
    wizard.answer('8x H100');
    assert.equal(wizard.current.id, 'maxPrice');
    wizard.setSpotQuote(wizard.priceQuery!.key, { usdPerHour: 30, instanceType: 'p5.48xlarge', region: 'us-east-1', source: 'live' });
    assert.equal(input(wizard.current).value, '45');
    wizard.answer('45');
    assert.equal(wizard.current.id, 'review');

    wizard.answer('edit:regions');
    wizard.back();
    assert.equal(wizard.current.id, 'review', 'Back from a change returns to the review');
    wizard.answer('write');
    assert.ok(wizard.done);
    assert.deepEqual([wizard.profile().sshUser, wizard.profile().gpu, wizard.profile().gpus, wizard.profile().maxPrice], ['ec2-user', 'H100', 8, 45]);
  });

  it('starts from us-east-1 when none of the configured regions is in the catalog', () => {
    const wizard = new ProfileWizard({ ...context, defaultRegions: ['mars-east-1'] });
    wizard.answer('x');
    assert.deepEqual(pick(wizard.current).items.filter((item) => item.picked).map((item) => item.id), ['us-east-1']);
  });
});
