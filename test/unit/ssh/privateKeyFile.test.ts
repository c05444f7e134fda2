import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { keyFileNameOf, privateKeyPathFor, writePrivateKeyFile } from '../../../src/core/ssh/privateKeyFile';

describe('private key files (names from EC2, written 0600 without following what is there)', () => {
  let directory: string;
  beforeEach(() => { directory = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-keys-')); });
  afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

  it('refuses key pair names that would leave the key folder', () => {
    assert.equal(privateKeyPathFor('/keys', 'spotbox-llama-0a1b2c3d'), path.join('/keys', 'spotbox-llama-0a1b2c3d.pem'));
    for (const name of ['../../.bashrc', 'a/b', '.hidden', 'x..y', '', 'name with space']) {
      assert.throws(() => privateKeyPathFor('/keys', name), /not a plain file name/, name);
    }
  });

  it('writes a new key 0600 whatever the umask, and never writes through an existing file or symlink', async () => {
    const previous = process.umask(0o000);
    try {
      const file = path.join(directory, 'keys', 'a.pem');
      await writePrivateKeyFile(file, 'KEY');
      assert.equal((fs.statSync(file).mode & 0o777).toString(8), '600');
      assert.equal(fs.readFileSync(file, 'utf8'), 'KEY');
    } finally {
      process.umask(previous);
    }
    const target = path.join(directory, 'victim');
    fs.writeFileSync(target, 'theirs');
    const planted = path.join(directory, 'planted.pem');
    fs.symlinkSync(target, planted);
    await assert.rejects(writePrivateKeyFile(planted, 'KEY'), /EEXIST/);
    assert.equal(fs.readFileSync(target, 'utf8'), 'theirs');
  });

  it("names each cloud's key file as its launch wrote it: EC2's key pair name, Google Cloud's and Azure's spotbox-<launch name>", () => {
    assert.equal(keyFileNameOf({ cloud: 'aws', keyName: 'spotbox-llama-1a2b' }), 'spotbox-llama-1a2b');
    assert.equal(keyFileNameOf({ cloud: 'gcp', keyName: 'trainer-1a2b3c4d' }), 'spotbox-trainer-1a2b3c4d');
    assert.equal(keyFileNameOf({ cloud: 'azure', keyName: 'trainer-1a2b3c4d' }), 'spotbox-trainer-1a2b3c4d');
    assert.equal(keyFileNameOf({ cloud: 'azure' }), undefined);
  });
});
