"""The workspace's .gitignore as the agent reads it (resources/agent/src/agent/gitignore.py)."""
import unittest

from assembled_agent import import_modules

import_modules()
from agent import gitignore  # noqa: E402


class GitIgnoreRules(unittest.TestCase):
    def test_patterns_as_git_reads_them(self):
        rules = gitignore.GitIgnore('# comment\n*.log\n!keep.log\nbuild/\n/top.txt\ndocs/**/draft?.md\n[ab].bin\n')
        self.assertTrue(rules.ignored('x/y.log', False))
        self.assertFalse(rules.ignored('keep.log', False))
        self.assertTrue(rules.ignored('sub/build', True))
        self.assertFalse(rules.ignored('sub/build', False), 'dir/ matches folders only')
        self.assertTrue(rules.ignored('top.txt', False))
        self.assertFalse(rules.ignored('sub/top.txt', False), '/a is anchored')
        self.assertTrue(rules.ignored('docs/a/b/draft1.md', False))
        self.assertTrue(rules.ignored('a.bin', False))
        self.assertFalse(rules.ignored('c.bin', False))

    def test_glob_regex_escapes_what_is_not_a_wildcard(self):
        self.assertEqual(gitignore.glob_regex('a.b'), r'a\.b')
        self.assertEqual(gitignore.glob_regex('**/x'), '(?:.*/)?x')


if __name__ == '__main__':
    unittest.main()
