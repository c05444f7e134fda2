import * as assert from 'node:assert/strict';
import { SpotboxError } from '../../../src/core/errors';
import { shellWord } from '../../../src/core/ssh/runRemoteCommand';
import { remoteDirForShell, resolveRemoteDir } from '../../../src/core/workspace/remotePaths';
import { checkUploadSize, formatBytes } from '../../../src/core/workspace/sizeGuard';
import type { WorkspaceListing } from '../../../src/core/workspace/workspaceTypes';

const MiB = 1024 * 1024;

describe('upload size guard and box paths', () => {
  it('refuses an oversized workspace, naming the biggest folders and files and what to do', () => {
    const listing: WorkspaceListing = {
      files: [
        { path: 'train.py', size: 2_000, mode: 0o644 },
        { path: 'data/shard-0.bin', size: 700 * MiB, mode: 0o644 },
        { path: 'data/shard-1.bin', size: 650 * MiB, mode: 0o644 },
        { path: 'checkpoints/last.pt', size: 300 * MiB, mode: 0o644 },
      ],
      directories: [],
      totalBytes: 2_000 + 1650 * MiB,
      skippedSymlinks: [],
    };
    assert.doesNotThrow(() => checkUploadSize(listing, listing.totalBytes));
    const error = ((): unknown => {
      try {
        checkUploadSize(listing, 512 * MiB);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    assert.ok(error instanceof SpotboxError);
    assert.equal(
      error.message,
      'The workspace holds 1.6 GiB in 4 files to upload, over the 512 MiB limit. Biggest folders: data/ (1.3 GiB), checkpoints/ (300 MiB). Biggest files: data/shard-0.bin (700 MiB), data/shard-1.bin (650 MiB), checkpoints/last.pt (300 MiB), train.py (2.0 KiB).',
    );
    assert.match(error.nextStep ?? '', /\.gitignore.*"cloneFrom"/);
  });

  it('formats sizes', () => {
    assert.deepEqual([0, 512, 1536, 300 * MiB, 5 * 1024 * MiB].map(formatBytes), ['0 B', '512 B', '1.5 KiB', '300 MiB', '5.0 GiB']);
  });

  it('turns ~ into the home folder for SFTP and into "$HOME" for the shell, quoting the rest', () => {
    assert.equal(resolveRemoteDir('~', '/home/ubuntu'), '/home/ubuntu');
    assert.equal(resolveRemoteDir('~/work space/../ws', '/home/ubuntu'), '/home/ubuntu/ws');
    assert.equal(resolveRemoteDir('/data/ws/', '/root'), '/data/ws/');
    assert.equal(remoteDirForShell('~/my ws'), `"$HOME"/'my ws'`);
    assert.equal(remoteDirForShell('~'), '"$HOME"');
    assert.equal(remoteDirForShell("/data/it's"), `'/data/it'\\''s'`);
    assert.equal(shellWord('$(rm -rf /)'), `'$(rm -rf /)'`);
    for (const bad of ['workspace', '~other/ws', 'relative/~', '']) {
      assert.throws(() => resolveRemoteDir(bad, '/root'), /cannot be a folder on the box: use an absolute path or one under ~/, bad);
      assert.throws(() => remoteDirForShell(bad), /cannot be a folder on the box/, bad);
    }
  });
});
