"""Times and JSON as the agent reads and writes them (resources/agent/src/agent/formats.py)."""
import re
import unittest

from assembled_agent import import_modules

import_modules()
from agent import formats  # noqa: E402


class Formats(unittest.TestCase):
    def test_now_iso_is_utc_with_milliseconds(self):
        self.assertRegex(formats.now_iso(), r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$')

    def test_parse_time_reads_imds_times_and_refuses_others(self):
        self.assertEqual(formats.parse_time('2026-11-27T08:22:00Z'), 1795767720.0)
        self.assertEqual(formats.parse_time('2026-11-27T08:22:00.5+00:00'), 1795767720.5)
        self.assertIsNone(formats.parse_time('2026-11-27T08:22:00+02:00'))
        self.assertIsNone(formats.parse_time(None))

    def test_now_iso_reads_back(self):
        text = formats.now_iso()
        self.assertTrue(re.match(r'\d{4}', text))
        self.assertIsNotNone(formats.parse_time(text))

    def test_as_json_is_none_for_what_is_not_json(self):
        self.assertEqual(formats.as_json('{"a": 1}'), {'a': 1})
        self.assertIsNone(formats.as_json('<html>'))
        self.assertIsNone(formats.as_json(None))


if __name__ == '__main__':
    unittest.main()
