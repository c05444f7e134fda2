import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SpotboxError, UserCancelledError } from '../errors';
import { GitignoreRules } from './gitignoreRules';

/**
 * Permission bits only: a setuid or setgid bit from the laptop must not become a setuid file on the
 * box (where the upload may run as a different, even privileged, user); sticky goes too.
 */
export const UPLOADED_MODE_BITS = 0o777;
import type { WorkspaceFile, WorkspaceListing } from './workspaceTypes';

/**
 * The files of a local workspace that belong on the box: what git would not ignore (every
 * .gitignore on the way down, and .git/info/exclude), never a `.git` folder or file at any depth,
 * no symbolic links. An ignored folder is not entered at all, as with git: a huge ignored
 * `data/` or `node_modules/` costs nothing.
 */
export async function listWorkspaceFiles(localRoot: string, options: { signal?: AbortSignal } = {}): Promise<WorkspaceListing> {
  const root = path.resolve(localRoot);
  const stat = await fs.stat(root).catch(() => undefined);
  if (!stat?.isDirectory()) {
    throw new SpotboxError(`The workspace folder ${root} does not exist or is not a folder.`, 'Open the folder of your project and try again.');
  }
  const files: WorkspaceFile[] = [];
  const directories: Array<{ path: string; mode: number }> = [];
  const skippedSymlinks: string[] = [];
  let totalBytes = 0;

  const walk = async (relative: string, inherited: GitignoreRules): Promise<void> => {
    if (options.signal?.aborted) throw new UserCancelledError();
    const absolute = path.join(root, ...relative.split('/').filter(Boolean));
    const rules = inherited.with(relative, await readOptional(path.join(absolute, '.gitignore')));
    const entries = (await fs.readdir(absolute, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const entryPath = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.name === '.git') continue;
      if (entry.isSymbolicLink()) {
        if (!rules.ignores(entryPath, false)) skippedSymlinks.push(entryPath);
        continue;
      }
      if (entry.isDirectory()) {
        if (rules.ignores(entryPath, true)) continue;
        const mode = (await fs.stat(path.join(absolute, entry.name))).mode & UPLOADED_MODE_BITS;
        directories.push({ path: entryPath, mode });
        await walk(entryPath, rules);
      } else if (entry.isFile() && !rules.ignores(entryPath, false)) {
        const fileStat = await fs.stat(path.join(absolute, entry.name));
        files.push({ path: entryPath, size: fileStat.size, mode: fileStat.mode & UPLOADED_MODE_BITS });
        totalBytes += fileStat.size;
      }
    }
  };

  // Loaded on first use, like the AWS SDK and ssh2: the build can then bundle it apart from activation.
  const { default: createIgnore } = await import('ignore');
  await walk('', GitignoreRules.root(createIgnore, await readOptional(path.join(root, '.git', 'info', 'exclude'))));
  return { files, directories, totalBytes, skippedSymlinks };
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}
