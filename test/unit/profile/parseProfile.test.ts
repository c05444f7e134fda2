import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseProfile, TOP_KEYS } from '../../../src/core/profile/parseProfile';
import { defaultProfile, profileFileText } from '../../../src/core/profile/defaultProfile';
import { PROFILE_DEFAULTS } from '../../../src/core/profile/profileTypes';
import { KNOWN_GPU_MODELS } from '../../../src/core/pricing/gpuNeed';

const FILE = '.spotbox/profile.json';

/** The 1-based line and column of the first occurrence of `needle` in `text`. */
function where(text: string, needle: string): { line: number; column: number } {
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, `${needle} not in text`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

function onlyProblem(text: string): { message: string; line: number; column: number; path: ReadonlyArray<string | number> } {
  const result = parseProfile(text, FILE);
  assert.equal(result.profile, undefined);
  assert.equal(result.problems.length, 1, result.problems.map((p) => p.message).join('; '));
  return result.problems[0];
}

describe('parseProfile (.spotbox/profile.json)', () => {
  it('reads a full profile with comments and trailing commas, filling in defaults', () => {
    const text = `// Llama fine-tuning box
{
  "name": "llama", /* block comment */
  "regions": ["us-east-1", "us-west-2",],
  "gpu": "H100", "gpus": 8,
  "maxPrice": 40.5,
  "checkpoint": { "bucket": "my-ckpts", "prefix": "llama/", "intervalMinutes": 30 },
  "session": { "command": "python train.py" },
}`;
    const { profile, problems } = parseProfile(text, FILE);
    assert.deepEqual(problems, []);
    assert.deepEqual(profile, {
      name: 'llama',
      regions: ['us-east-1', 'us-west-2'],
      gpu: 'H100',
      gpus: 8,
      maxPrice: 40.5,
      ...PROFILE_DEFAULTS,
      checkpoint: { bucket: 'my-ckpts', prefix: 'llama/', intervalMinutes: 30 },
      session: { command: 'python train.py' },
    });
  });

  it('reads explicit instance types and every optional field', () => {
    const text = JSON.stringify({
      name: 'a', regions: ['eu-west-1'], instanceTypes: ['g5.xlarge', 'g6.xlarge'], maxPrice: 1, allocationStrategy: 'lowest-price', onDemandFallback: true,
      image: 'ami-0123456789abcdef0', volumeGb: 20, sshUser: 'ec2-user', workspaceDir: '/data/ws', idleStopMinutes: 0,
    });
    const { profile, problems } = parseProfile(text, FILE);
    assert.deepEqual(problems, []);
    assert.deepEqual(profile?.instanceTypes, ['g5.xlarge', 'g6.xlarge']);
    assert.equal(profile?.gpu, undefined);
    assert.equal(profile?.onDemandFallback, true);
    assert.equal(profile?.volumeGb, 20);
  });

  it('reports a price <= 0 at the value, saying what is allowed', () => {
    const text = '{\n  "name": "x",\n  "regions": ["us-east-1"],\n  "instanceTypes": ["g5.xlarge"],\n  "maxPrice": 0\n}';
    const problem = onlyProblem(text);
    assert.deepEqual(problem.path, ['maxPrice']);
    assert.deepEqual({ line: problem.line, column: problem.column }, { line: 5, column: 15 });
    assert.match(problem.message, /0 is not allowed for "maxPrice": it must be a number greater than 0/);
  });

  it('reports missing required fields at the object brace', () => {
    const text = '\n\n  { "regions": ["us-east-1"], "gpu": "A10G", "gpus": 1 }';
    const { problems } = parseProfile(text, FILE);
    assert.deepEqual(problems.map((p) => [p.path.join('.'), p.line, p.column, p.length]), [['name', 3, 3, 1], ['maxPrice', 3, 3, 1]]);
    assert.match(problems[0].message, /missing "name"/);
  });

  it('requires instanceTypes or gpu + gpus, and not both', () => {
    assert.match(onlyProblem('{"name":"x","regions":["us-east-1"],"maxPrice":1}').message, /missing "instanceTypes".*or a GPU need/);
    assert.match(onlyProblem('{"name":"x","regions":["us-east-1"],"maxPrice":1,"gpu":"L4"}').message, /missing "gpus"/);
    const both = '{"name":"x","regions":["us-east-1"],"maxPrice":1,"instanceTypes":["g5.xlarge"],"gpu":"L4","gpus":1}';
    const problem = onlyProblem(both);
    assert.match(problem.message, /either "instanceTypes" or "gpu"/);
    assert.equal(problem.column, where(both, '"L4"').column);
  });

  it('reports unknown keys at the key, top level and in blocks', () => {
    const text = '{\n  "name": "x", "regions": ["us-east-1"], "gpu": "T4", "gpus": 1, "maxPrice": 1,\n  "maxprice": 2,\n  "session": { "command": "run", "cwd": "/" }\n}';
    const { problems } = parseProfile(text, FILE);
    assert.deepEqual(problems.map((p) => [p.path.join('.'), p.line, p.column]), [['maxprice', 3, 3], ['session.cwd', 4, 34]]);
    assert.match(problems[0].message, /unknown field "maxprice" in the profile: allowed fields are name, cloud, regions/);
  });

  it('reports bad values with the position of each: enum, range, type, pattern, list item', () => {
    const text = [
      '{',
      '  "name": "Bad_Name",',
      '  "regions": ["us-east-1", "mars"],',
      '  "gpu": "h100", "gpus": 0,',
      '  "maxPrice": "5",',
      '  "allocationStrategy": "cheapest",',
      '  "volumeGb": 10,',
      '  "image": "ubuntu",',
      '  "checkpoint": { "prefix": "x/" }',
      '}',
    ].join('\n');
    const { problems, profile } = parseProfile(text, FILE);
    assert.equal(profile, undefined);
    const at = (needle: string): string => {
      const { line, column } = where(text, needle);
      return `${line}:${column}`;
    };
    assert.deepEqual(
      problems.map((p) => `${p.path.join('.')} ${p.line}:${p.column}`),
      [
        `name ${at('"Bad_Name"')}`,
        `regions.1 ${at('"mars"')}`,
        `gpu ${at('"h100"')}`,
        `gpus ${at('0,')}`,
        `maxPrice ${at('"5"')}`,
        `allocationStrategy ${at('"cheapest"')}`,
        `image ${at('"ubuntu"')}`,
        `volumeGb ${at('10,')}`,
        `checkpoint.bucket ${at('{ "prefix"')}`,
      ],
    );
    assert.match(problems[2].message, /"h100" is not allowed for "gpu": use one of H200, H100/);
    assert.match(problems[5].message, /use one of price-capacity-optimized, lowest-price, capacity-optimized/);
    assert.match(problems[7].message, /from 20 to 16384/);
  });

  it('reports JSON syntax errors and a non-object profile with their position', () => {
    const syntax = parseProfile('{\n  "name": "x"\n  "regions": []\n}', FILE);
    assert.equal(syntax.profile, undefined);
    assert.deepEqual([syntax.problems[0].line, syntax.problems[0].column], [3, 3]);
    assert.match(syntax.problems[0].message, /JSON syntax error: CommaExpected/);
    assert.match(onlyProblem('[1]').message, /the profile must be a JSON object/);
    assert.match(parseProfile('  ', FILE).problems[0].message, /is empty/);
  });

  it('counts columns on CRLF files from the line start', () => {
    const problem = onlyProblem('{\r\n"name":"x",\r\n"regions":["us-east-1"],"gpu":"A10G","gpus":1,\r\n  "maxPrice": -1\r\n}');
    assert.deepEqual([problem.line, problem.column], [4, 15]);
  });

  it('defaultProfile gives a profile that parses back to itself', () => {
    const profile = defaultProfile('my-box');
    const result = parseProfile(profileFileText(profile), FILE);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.profile, profile);
  });

  it('agrees with resources/schemas/profile.schema.json on fields, defaults and GPU models', () => {
    const schema = JSON.parse(fs.readFileSync(path.resolve('resources/schemas/profile.schema.json'), 'utf8')) as {
      additionalProperties: boolean;
      properties: Record<string, { default?: unknown; enum?: string[] }>;
    };
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(Object.keys(schema.properties).sort(), [...TOP_KEYS].sort());
    for (const [key, value] of Object.entries(PROFILE_DEFAULTS)) assert.deepEqual(schema.properties[key].default, value, key);
    assert.deepEqual(schema.properties.gpu.enum, [...KNOWN_GPU_MODELS]);
  });
});
