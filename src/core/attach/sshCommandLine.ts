/** The shell command that reaches a box through Spotbox's config (works without the Include line). */
export function sshCommandLine(configFile: string, alias: string): string {
  return `ssh -F ${shellQuote(configFile)} ${alias}`;
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./~-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
