"""The agent's journal rotation (resources/agent/spotbox_agent.py, class Journal)."""
import json
import os
import shutil
import tempfile
import threading
import unittest

from assembled_agent import import_agent

agent = import_agent()


def lines_of(path):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f]
    except FileNotFoundError:
        return []


class JournalRotationTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='spotbox-journal-')
        self.path = os.path.join(self.dir, 'journal.jsonl')

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_rotates_to_dot_1_once_the_journal_reaches_its_size_and_keeps_one_old_generation(self):
        journal = agent.Journal(self.path, max_bytes=400)
        for n in range(40):
            journal.write('progress', step=n)
        self.assertEqual(sorted(os.listdir(self.dir)), ['journal.jsonl', 'journal.jsonl.1'])
        old, new = lines_of(self.path + '.1'), lines_of(self.path)
        self.assertGreaterEqual(os.path.getsize(self.path + '.1'), 400)
        self.assertLess(os.path.getsize(self.path), 400)
        steps = [event['step'] for event in old + new]
        # The newest events, in order and without a gap across the two files.
        self.assertEqual(steps, list(range(steps[0], 40)))
        self.assertEqual(steps[-1], 39)

    def test_the_file_a_reader_holds_open_keeps_every_line_written_before_the_rename(self):
        journal = agent.Journal(self.path, max_bytes=300)
        journal.write('agent-started', pid=1)
        with open(self.path, 'rb') as reader:
            inode = os.fstat(reader.fileno()).st_ino
            while os.path.exists(self.path) and os.stat(self.path).st_ino == inode:
                journal.write('progress', step=1)
            self.assertEqual(os.stat(self.path + '.1').st_ino, inode, 'renamed, not copied: the same file under its old name')
            held = [json.loads(line) for line in reader.read().splitlines()]
        self.assertEqual(held, lines_of(self.path + '.1'))
        self.assertTrue(held[-1]['type'] == 'progress')

    def test_threads_writing_at_once_lose_nothing_across_one_rotation(self):
        journal = agent.Journal(self.path, max_bytes=10000)

        def writer(name):
            for n in range(50):
                journal.write('progress', step=n, session=name)

        threads = [threading.Thread(target=writer, args=('t%d' % i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        events = lines_of(self.path + '.1') + lines_of(self.path)
        self.assertTrue(os.path.exists(self.path + '.1'), 'the test wants exactly one rotation')
        self.assertEqual(len(events), 200)
        for name in ('t0', 't1', 't2', 't3'):
            self.assertEqual([e['step'] for e in events if e['session'] == name], list(range(50)))

    def test_checkpoint_now_finds_an_answer_that_a_rotation_moved_to_dot_1(self):
        journal = agent.Journal(self.path, max_bytes=200)
        journal.write('checkpoint-committed', request='abc123', seq=7)
        while not os.path.exists(self.path + '.1'):
            journal.write('activity', sshSessions=0)
        journal.write('activity', sshSessions=1)
        answers = [e for e in agent.read_journal(self.path) if e.get('request') == 'abc123']
        self.assertEqual([e['seq'] for e in answers], [7])
        self.assertEqual(agent.read_journal(self.path)[-1]['sshSessions'], 1)

    def test_the_size_comes_from_the_config_with_a_default(self):
        config = os.path.join(self.dir, 'agent.json')
        with open(config, 'w') as f:
            json.dump({'bucket': 'b', 'session': 's', 'checkpointDir': self.dir, 'journal': self.path}, f)
        self.assertEqual(agent.load_config(config)['journalMaxBytes'], 1 << 20)


if __name__ == '__main__':
    unittest.main()
