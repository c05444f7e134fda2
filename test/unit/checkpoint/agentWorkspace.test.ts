import * as assert from 'node:assert/strict';
import { runAgentPython } from './agentPython';

interface Collected {
  readonly items: Array<[string, string, number]>;
  readonly journal: Array<Record<string, unknown>>;
}

/** Builds a checkpoint dir and a workspace from `files` in a temporary home and runs the agent's collect(). */
function collect(files: Record<string, string>, config: Record<string, unknown> = {}): Collected {
  return runAgentPython<Collected>(
    [
      'import os, tempfile',
      'spec = json.load(sys.stdin)',
      'with tempfile.TemporaryDirectory() as home:',
      '    for rel, text in spec["files"].items():',
      '        path = os.path.join(home, rel)',
      '        os.makedirs(os.path.dirname(path), exist_ok=True)',
      '        open(path, "w").write(text)',
      '    os.symlink("/etc", os.path.join(home, "ws", "etc-link"))',
      '    cfg = dict(agent.DEFAULTS, checkpointDir=os.path.join(home, "ws", "ckpt"), workspaceDir=os.path.join(home, "ws"), journal=os.path.join(home, "ws", ".spotbox", "journal.jsonl"), **spec["config"])',
      '    journal = agent.Journal(cfg["journal"])',
      '    items = [[area, rel, size] for area, rel, _, size in agent.collect(cfg, journal)]',
      '    print(json.dumps({"items": items, "journal": agent.read_journal(cfg["journal"])}))',
    ].join('\n'),
    { files, config },
  );
}

describe('what the agent saves (resources/agent/spotbox_agent.py)', () => {
  it('takes the checkpoint dir whole and the workspace minus its .gitignore, not following symlinks', () => {
    const { items, journal } = collect({
      'ws/ckpt/step-3.ckpt': 'weights',
      'ws/ckpt/progress.json': '{"step": 3}',
      'ws/.gitignore': ['# comment', 'data/', '*.log', '!keep.log', '/build', 'cache/**', '**/tmp/*.bin', 'doc/*.pdf', '\\#notes', 'trailing   ', 'ch[ab]r.txt', '!/data/readme'].join('\n'),
      'ws/train.py': 'print()',
      'ws/run.log': 'x',
      'ws/logs/old.log': 'x',
      'ws/logs/keep.log': 'kept by negation',
      'ws/data/shard-0': 'x',
      'ws/data/readme': 'inside an ignored folder: git cannot bring it back either',
      'ws/build/out.o': 'x',
      'ws/src/build/gen.py': 'only /build at the root is ignored',
      'ws/cache/a/b': 'x',
      'ws/x/tmp/big.bin': 'x',
      'ws/tmp/small.bin': 'x',
      'ws/doc/a.pdf': 'x',
      'ws/doc/sub/b.pdf': 'anchored doc/*.pdf does not reach into sub/',
      'ws/#notes': 'x',
      'ws/trailing': 'x',
      'ws/char.txt': 'x',
      'ws/chcr.txt': 'not in [ab]',
      'ws/.spotbox/journal.jsonl': '',
    });
    assert.deepEqual(
      items.map(([area, rel]) => `${area}:${rel}`),
      [
        'files:progress.json',
        'files:step-3.ckpt',
        'workspace:.gitignore',
        'workspace:chcr.txt',
        'workspace:doc/sub/b.pdf',
        'workspace:logs/keep.log',
        'workspace:src/build/gen.py',
        'workspace:train.py',
      ],
    );
    assert.deepEqual(journal, []);
  });

  it('leaves out workspace files over workspaceMaxBytes and says which', () => {
    const { items, journal } = collect(
      { 'ws/ckpt/w': 'w'.repeat(100), 'ws/a.txt': 'a'.repeat(40), 'ws/b.bin': 'b'.repeat(70), 'ws/c.txt': 'c'.repeat(50) },
      { workspaceMaxBytes: 100 },
    );
    assert.deepEqual(items, [['files', 'w', 100], ['workspace', 'a.txt', 40], ['workspace', 'c.txt', 50]]);
    assert.equal(journal.length, 1);
    assert.equal(journal[0]?.type, 'warning');
    assert.equal(journal[0]?.code, 'workspace-over-limit');
    assert.deepEqual(journal[0]?.paths, ['b.bin']);
  });

  it('reads the trainer\'s step from progress.json, else from a DeepSpeed-style latest file', () => {
    const steps = runAgentPython<Array<number | null>>(
      [
        'import os, tempfile',
        'out = []',
        'for files in json.load(sys.stdin):',
        '    with tempfile.TemporaryDirectory() as d:',
        '        for name, text in files.items():',
        '            open(os.path.join(d, name), "w").write(text)',
        '        out.append(agent.read_step(d))',
        'print(json.dumps(out))',
      ].join('\n'),
      [{ 'progress.json': '{"step": 1200, "file": "step-1200.ckpt"}' }, { latest: 'global_step4500\n' }, { 'progress.json': '{"step": "12"}', latest: 'global_step7' }, { 'progress.json': 'torn' }, {}],
    );
    assert.deepEqual(steps, [1200, 4500, 7, null, null]);
  });

  it('never saves the workspace\'s .git (a cloned remote\'s URL may hold credentials)', () => {
    const { items } = collect({ 'ws/ckpt/w': 'w', 'ws/train.py': 'x', 'ws/.git/config': '[remote "origin"]\n\turl = https://user:token@example.com/r.git', 'ws/.git/HEAD': 'ref', 'ws/src/.gitkeep': '' });
    assert.deepEqual(items.map(([area, rel]) => `${area}:${rel}`), ['files:w', 'workspace:src/.gitkeep', 'workspace:train.py']);
  });

  it('leaves out a file whose name is not UTF-8 (no S3 key can name it) and says so, instead of failing the checkpoint', () => {
    const result = runAgentPython<Collected>(
      [
        'import os, tempfile',
        'with tempfile.TemporaryDirectory() as home:',
        '    ws = os.path.join(home, "ws")',
        '    os.makedirs(os.path.join(ws, "ckpt"))',
        '    open(os.path.join(ws, "ckpt", "w"), "w").write("w")',
        '    open(os.path.join(os.fsencode(ws), b"caf\\xe9.txt"), "w").write("latin-1 name")',
        '    open(os.path.join(ws, "ok.txt"), "w").write("x")',
        '    cfg = dict(agent.DEFAULTS, checkpointDir=os.path.join(ws, "ckpt"), workspaceDir=ws, journal=os.path.join(home, "state", "journal.jsonl"))',
        '    journal = agent.Journal(cfg["journal"])',
        '    items = [[area, rel, size] for area, rel, _, size in agent.collect(cfg, journal)]',
        '    print(json.dumps({"items": items, "journal": agent.read_journal(cfg["journal"])}))',
      ].join('\n'),
    );
    assert.deepEqual(result.items.map(([area, rel]) => `${area}:${rel}`), ['files:w', 'workspace:ok.txt']);
    assert.deepEqual(result.journal.map((event) => [event.code, event.paths]), [['name-not-utf8', ['caf?.txt']]]);
  });
});
