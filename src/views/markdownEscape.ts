/**
 * Text from EC2 (tags anyone with access to the account can set) shown in a Markdown tooltip: every
 * Markdown character is escaped, so a name cannot add links, images or `$(icon)`s, or end the
 * formatting around it.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~$&:]/g, '\\$&').replace(/\r?\n/g, ' ');
}
