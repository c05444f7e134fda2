/**
 * Drops what Python never executes (comments, docstrings, blank lines) and indents by one space
 * per level: the agent rides in the launch's 16 KB of user data, where its comments would not fit.
 * Only for sources written for it (no multi-line strings but docstrings, indentation in fours); the
 * unit tests check that the result parses to the same syntax tree.
 */
export function compactPython(source: string): string {
  const kept: string[] = [];
  let inDocstring = false;
  for (const line of source.split('\n')) {
    const text = line.trim();
    if (inDocstring) {
      inDocstring = !text.endsWith('"""');
      continue;
    }
    if (text.startsWith('"""')) {
      inDocstring = text.length < 6 || !text.endsWith('"""');
      continue;
    }
    if (text === '' || (text.startsWith('#') && !line.startsWith('#!'))) {
      continue;
    }
    const indent = line.length - line.trimStart().length;
    // A comment after code goes too, when no quote before it could make it part of a string.
    const comment = text.search(/\s+# /);
    kept.push(' '.repeat(Math.floor(indent / 4)) + (comment > 0 && !/['"]/.test(text.slice(0, comment)) ? text.slice(0, comment) : text));
  }
  return kept.join('\n') + '\n';
}
