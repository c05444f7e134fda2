import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listWorkspaceFiles } from '../../../src/core/workspace/listWorkspaceFiles';

/** Writes files (path -> content) under root, creating folders. */
function write(root: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), content);
  }
}

describe('listWorkspaceFiles (what an upload sends)', () => {
  let root: string;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-ws-unit-'))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('lists exactly what git would not ignore: nested .gitignore files, negations, folder patterns, info/exclude', async () => {
    write(root, {
      '.gitignore': '*.log\n/build/\ndata/\n!keep.log\nsecrets.env\n',
      'train.py': 'print(1)\n',
      'debug.log': 'x',
      'keep.log': 'kept by a negation',
      'build/out.bin': 'x',
      'src/build/generated.py': 'only the root build/ is anchored',
      'data/big.bin': 'x',
      'src/data/loader.py': 'data/ is not anchored: ignored here too',
      'src/model.py': 'x',
      'src/.gitignore': '*.tmp\n!important.log\ncache/\n',
      'src/a.tmp': 'x',
      'src/important.log': 'a deeper file overrides the root one',
      'src/cache/c.bin': 'x',
      'src/deeper/.gitignore': '!*.tmp\n',
      'src/deeper/b.tmp': 're-included by the deepest file',
      'notes/secrets.env': 'x',
      'notes/todo.md': 'x',
      'local-only.txt': 'excluded by .git/info/exclude',
      'docs/a b.md': 'spaces are fine',
    });
    execFileSync('git', ['init', '-q', root]);
    fs.writeFileSync(path.join(root, '.git', 'info', 'exclude'), 'local-only.txt\n');
    const gitSees = execFileSync('git', ['-C', root, 'ls-files', '--cached', '--others', '--exclude-standard', '-z'], { encoding: 'utf8' }).split('\0').filter(Boolean).sort();

    const listing = await listWorkspaceFiles(root);
    const listed = listing.files.map((file) => file.path).sort();
    assert.deepEqual(listed, gitSees);
    // Spelled out too, so the test reads without git at hand.
    assert.deepEqual(listed, [
      '.gitignore', 'docs/a b.md', 'keep.log', 'notes/todo.md', 'src/.gitignore', 'src/build/generated.py', 'src/deeper/.gitignore', 'src/deeper/b.tmp', 'src/important.log', 'src/model.py', 'train.py',
    ]);
    assert.equal(listing.totalBytes, listing.files.reduce((sum, file) => sum + file.size, 0));
    assert.deepEqual(listing.directories.map((directory) => directory.path), ['docs', 'notes', 'src', 'src/build', 'src/deeper'], 'ignored folders are neither listed nor entered');
  });

  it('never sends a .git folder or file, at any depth', async () => {
    write(root, { 'a.txt': 'x', '.git/config': 'x', 'vendor/lib/.git': 'gitdir: ../../.git/modules/lib', 'vendor/lib/lib.c': 'x' });
    const listing = await listWorkspaceFiles(root);
    assert.deepEqual(listing.files.map((file) => file.path), ['a.txt', 'vendor/lib/lib.c']);
  });

  it('keeps permission bits and skips symbolic links, saying so', async () => {
    write(root, { 'run.sh': '#!/bin/sh\n', 'secret.key': 'x' });
    fs.chmodSync(path.join(root, 'run.sh'), 0o755);
    fs.chmodSync(path.join(root, 'secret.key'), 0o600);
    fs.symlinkSync('/etc', path.join(root, 'etc-link'));
    const listing = await listWorkspaceFiles(root);
    assert.deepEqual(listing.files.map((file) => [file.path, file.mode.toString(8)]), [['run.sh', '755'], ['secret.key', '600']]);
    assert.deepEqual(listing.skippedSymlinks, ['etc-link']);
  });

  it('never carries a setuid, setgid or sticky bit to the box', async () => {
    write(root, { 'tool': '#!/bin/sh\n', 'shared/x': 'x' });
    fs.chmodSync(path.join(root, 'tool'), 0o6755);
    fs.chmodSync(path.join(root, 'shared'), 0o1777);
    const listing = await listWorkspaceFiles(root);
    assert.deepEqual(listing.files.map((file) => [file.path, file.mode.toString(8)]), [['shared/x', '644'], ['tool', '755']]);
    assert.deepEqual(listing.directories.map((directory) => [directory.path, directory.mode.toString(8)]), [['shared', '777']]);
  });

  it('says clearly when the workspace folder is missing', async () => {
    await assert.rejects(listWorkspaceFiles(path.join(root, 'nope')), /The workspace folder .*nope does not exist or is not a folder\./);
  });
});
