import type { Ignore } from 'ignore';

/** `ignore`'s factory; loaded with import() by the caller, so the build can keep it out of activation. */
export type IgnoreFactory = () => Ignore;

/** The rules of one .gitignore (or .git/info/exclude), and the folder they are relative to. */
interface RuleLevel {
  readonly directory: string;
  readonly rules: Ignore;
}

/**
 * Git's ignore rules as they apply to one folder while walking down from the workspace root:
 * .git/info/exclude, then each .gitignore from the root to the folder. Git lets a deeper file
 * override a shallower one and, within one file, the last matching pattern win; `ignore` answers
 * for one file, so the levels are asked in order and the last one with an opinion decides.
 */
export class GitignoreRules {
  private constructor(
    private readonly createIgnore: IgnoreFactory,
    private readonly levels: readonly RuleLevel[],
  ) {}

  /** The lowest-precedence rules, .git/info/exclude; the root's .gitignore comes next through with(). */
  static root(createIgnore: IgnoreFactory, excludeText: string | undefined): GitignoreRules {
    return new GitignoreRules(createIgnore, []).with('', excludeText);
  }

  /** The rules for a subfolder that has (or has not) a .gitignore of its own. */
  with(directory: string, gitignoreText: string | undefined): GitignoreRules {
    if (gitignoreText === undefined || gitignoreText.trim() === '') return this;
    return new GitignoreRules(this.createIgnore, [...this.levels, { directory, rules: this.createIgnore().add(gitignoreText) }]);
  }

  /** `path` is relative to the workspace root with forward slashes; folders are matched as folders. */
  ignores(path: string, isDirectory: boolean): boolean {
    let ignored = false;
    for (const level of this.levels) {
      const relative = level.directory === '' ? path : path.slice(level.directory.length + 1);
      const result = level.rules.test(isDirectory ? `${relative}/` : relative);
      if (result.ignored) ignored = true;
      else if (result.unignored) ignored = false;
    }
    return ignored;
  }
}
