import { shellWord } from '../ssh/runRemoteCommand';

/** The shell command that reaches a box through Spotbox's config (works without the Include line). */
export function sshCommandLine(configFile: string, alias: string): string {
  // Left bare when nothing in it needs quoting, so the copied line reads like one typed by hand.
  return `ssh -F ${/^[\w@%+=:,./~-]+$/.test(configFile) ? configFile : shellWord(configFile)} ${alias}`;
}
