"""The workspace root's .gitignore, as git reads it, for what the workspace area leaves out."""
import re


def glob_regex(pattern):
    out, i = '', 0
    while i < len(pattern):
        rest, c = pattern[i:], pattern[i]
        if rest.startswith('**/'):
            out, i = out + '(?:.*/)?', i + 3
        elif rest.startswith('**'):
            out, i = out + '.*', i + 2
        elif c == '*':
            out, i = out + '[^/]*', i + 1
        elif c == '?':
            out, i = out + '[^/]', i + 1
        elif c == '[' and ']' in rest[2:]:
            j = pattern.index(']', i + 2)
            body = pattern[i + 1:j].replace('\\', '\\\\')
            out, i = out + '[' + ('^' + body[1:] if body[0] in '!^' else body) + ']', j + 1
        else:
            if c == '\\' and rest[1:]:
                i, c = i + 1, rest[1]
            out, i = out + re.escape(c), i + 1
    return out


class GitIgnore:
    """The workspace root's .gitignore: comments, `!` negation, `dir/`, anchored `a/b` and `/a`, `*`, `?`, `[..]`, `**`."""

    def __init__(self, text):
        self.rules = []
        for line in text.splitlines():
            line = re.sub(r'(?<!\\)\s+$', '', line)
            negate = line.startswith('!')
            line = line[negate:]
            if line and not line.startswith('#') or negate:
                pattern = line.rstrip('/')
                if pattern:
                    anchor = '^' if '/' in pattern else '^(?:.*/)?'
                    self.rules.append((re.compile(anchor + glob_regex(pattern.lstrip('/')) + '$'), negate, line.endswith('/')))

    def ignored(self, rel, is_dir):
        result = False
        for regex, negate, dir_only in self.rules:
            if (is_dir or not dir_only) and regex.match(rel):
                result = not negate
        return result
