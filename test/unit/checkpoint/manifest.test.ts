import * as assert from 'node:assert/strict';
import { manifestKey, prefixFolder, seqFolder, seqOfFolder, sessionFolder } from '../../../src/core/checkpoint/checkpointLayout';
import { parseManifest, validateManifest } from '../../../src/core/checkpoint/manifest';
import { runAgentPython } from './agentPython';

const FOLDER = 'ckpt/run-1/000007/';
const SHA = 'a'.repeat(64);

function manifest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: 1,
    session: 'run-1',
    seq: 7,
    createdAt: '2026-11-27T08:20:03.120Z',
    sourceInstance: 'i-0abc',
    reason: 'notice',
    step: 1200,
    files: [
      { path: 'step-1200.ckpt', area: 'files', size: 10, sha256: SHA, key: `${FOLDER}files/step-1200.ckpt` },
      { path: 'src/train.py', area: 'workspace', size: 0, sha256: 'b'.repeat(64), key: `${FOLDER}workspace/src/train.py` },
    ],
    ...overrides,
  };
}

const expected = { session: 'run-1', seq: 7, folder: FOLDER };

describe('checkpoint manifest validation', () => {
  it('accepts what the agent writes, with and without a step', () => {
    assert.deepEqual(validateManifest(manifest(), expected).problems, []);
    const withoutStep = manifest({ sourceInstance: null });
    delete withoutStep.step;
    const check = parseManifest(JSON.stringify(withoutStep), expected);
    assert.deepEqual(check.problems, []);
    assert.equal(check.manifest?.step, undefined);
    assert.equal(check.manifest?.sourceInstance, null);
  });

  it('refuses text that is not a JSON object', () => {
    assert.match(parseManifest('{"version": 1,').problems[0] ?? '', /^not JSON/);
    assert.deepEqual(parseManifest('[]').problems, ['not a JSON object']);
  });

  it('names every problem of a bad manifest', () => {
    const { problems, manifest: accepted } = validateManifest(manifest({ version: 2, seq: 0, reason: 'whim', step: -1, createdAt: 'yesterday', sourceInstance: 5 }));
    assert.equal(accepted, undefined);
    assert.deepEqual(problems, [
      'version is 2, not 1',
      'seq is not a positive integer',
      'createdAt is not a time',
      'sourceInstance is neither a string nor null',
      'reason "whim" is not one of notice, periodic, manual, rebalance',
      'step is not a non-negative integer',
    ]);
  });

  it('refuses a manifest found in another session or seq folder', () => {
    assert.deepEqual(validateManifest(manifest(), { session: 'run-2', seq: 8 }).problems, ['session is "run-1", not "run-2"', 'seq is 7, but the folder is 8']);
  });

  it('refuses file entries that restore could not trust', () => {
    const bad = (file: Record<string, unknown>): readonly string[] =>
      validateManifest(manifest({ files: [{ path: 'a', area: 'files', size: 1, sha256: SHA, key: `${FOLDER}files/a`, ...file }] }), expected).problems;
    assert.deepEqual(bad({ path: '../../.ssh/authorized_keys', key: `${FOLDER}files/../../.ssh/authorized_keys` }), ['files[0]: path "../../.ssh/authorized_keys" is not a plain relative path']);
    assert.deepEqual(bad({ path: '/etc/passwd', key: `${FOLDER}files//etc/passwd` }), ['files[0]: path "/etc/passwd" is not a plain relative path']);
    assert.deepEqual(bad({ area: 'home' }), ['files[0]: area "home" is not files or workspace', `files[0]: key ${FOLDER}files/a is outside this checkpoint's folder`]);
    assert.deepEqual(bad({ size: 1.5 }), ['files[0]: size is not a non-negative integer']);
    assert.deepEqual(bad({ sha256: SHA.toUpperCase() }), ['files[0]: sha256 is not 64 lower-case hex digits']);
    // A key in another seq folder is what "referenced, not copied" would look like: unsafe with keep-last-K.
    assert.deepEqual(bad({ key: 'ckpt/run-1/000006/files/a' }), ['files[0]: key ckpt/run-1/000006/files/a is outside this checkpoint\'s folder']);
    const twice = manifest({ files: [manifest().files, manifest().files].flat() });
    assert.deepEqual(validateManifest(twice, expected).problems, ['files[2]: files/step-1200.ckpt is listed twice', 'files[3]: workspace/src/train.py is listed twice']);
  });

  it('agrees with the agent about which manifests are complete', () => {
    const cases = [
      manifest(),
      manifest({ version: 2 }),
      manifest({ seq: 8 }),
      manifest({ files: 'none' }),
      manifest({ files: [{ path: 'a', area: 'files', size: 1, sha256: 'xyz', key: 'k' }] }),
      manifest({ files: [{ path: 'a', area: 'files', size: '1', sha256: SHA, key: 'k' }] }),
    ];
    const agentSays = runAgentPython<boolean[]>('print(json.dumps([bool(agent.valid_manifest(doc, 7)) for doc in json.load(sys.stdin)]))', cases);
    assert.deepEqual(agentSays, [true, false, false, false, false, false]);
    assert.deepEqual(cases.map((doc) => validateManifest(doc, { seq: 7 }).manifest !== undefined), agentSays);
  });
});

describe('checkpoint layout in the bucket', () => {
  it('puts sessions under the prefix and zero-pads seq folders so they sort', () => {
    assert.equal(prefixFolder('/spotbox/llama/'), 'spotbox/llama/');
    assert.equal(prefixFolder(''), '');
    assert.equal(sessionFolder('', 's1'), 's1/');
    assert.equal(seqFolder('ckpt', 'run-1', 7), 'ckpt/run-1/000007/');
    assert.equal(manifestKey('ckpt/', 'run-1', 1234567), 'ckpt/run-1/1234567/manifest.json');
    assert.equal(seqOfFolder('ckpt/run-1/', 'ckpt/run-1/000042/'), 42);
    assert.equal(seqOfFolder('ckpt/run-1/', 'ckpt/run-1/42/'), undefined);
    assert.equal(seqOfFolder('ckpt/run-1/', 'ckpt/run-1/agent/'), undefined);
    assert.equal(seqOfFolder('ckpt/run-1/', 'other/000001/'), undefined);
  });

  it('matches the folders the agent writes', () => {
    const agentKeys = runAgentPython<string[]>(
      "print(json.dumps([agent.session_base({'prefix': p, 'session': 'run-1'}) + '%06d/' % 7 for p in ['ckpt', '', 'a/b']]))",
    );
    assert.deepEqual(agentKeys, [seqFolder('ckpt', 'run-1', 7), seqFolder('', 'run-1', 7), seqFolder('a/b', 'run-1', 7)]);
  });
});
