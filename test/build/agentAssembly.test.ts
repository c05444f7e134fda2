import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '../../..');
const assembler = path.join(repoRoot, 'scripts', 'assembleAgent.mjs');
const built = path.join(repoRoot, 'dist', 'agent', 'spotbox_agent.py');

/** Runs the assembler on a modules folder and an order; its text, or the error it throws. */
function assemble(modulesDir: string, order: readonly string[]): { text?: string; error?: string } {
  const script = `import { assembleAgent } from ${JSON.stringify(`file://${assembler}`)};
try { process.stdout.write(JSON.stringify({ text: assembleAgent(${JSON.stringify(modulesDir)}, ${JSON.stringify(order)}) })); }
catch (e) { process.stdout.write(JSON.stringify({ error: e.message })); }`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { text?: string; error?: string };
}

function modulesFolder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-agent-modules-'));
  fs.writeFileSync(path.join(dir, '__init__.py'), '"""A test agent."""\n');
  for (const [name, text] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('the on-box agent, assembled from its modules (scripts/assembleAgent.mjs)', function () {
  // Each test starts node or python3: seconds on a busy machine.
  this.timeout(30_000);

  it('is what the build wrote: dist/agent/spotbox_agent.py equals a fresh assembly of resources/agent/src/agent', () => {
    assert.ok(fs.existsSync(built), 'dist/agent/spotbox_agent.py is missing: run npm run build');
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spotbox-agent-')), 'spotbox_agent.py');
    try {
      execFileSync(process.execPath, [assembler, '--out', out], { cwd: repoRoot, stdio: 'ignore' });
      assert.ok(fs.readFileSync(out).equals(fs.readFileSync(built)), 'the modules changed since the build: run npm run build');
    } finally {
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
  });

  it('gives the same bytes every time (the launch pins its sha256)', () => {
    const first = execFileSync(process.execPath, ['--input-type=module', '-e', `import { assembleAgent } from ${JSON.stringify(`file://${assembler}`)}; process.stdout.write(assembleAgent());`]);
    const second = execFileSync(process.execPath, ['--input-type=module', '-e', `import { assembleAgent } from ${JSON.stringify(`file://${assembler}`)}; process.stdout.write(assembleAgent());`]);
    assert.ok(first.length > 10_000);
    assert.ok(first.equals(second));
  });

  it('runs as one file: python3 compiles it, its command line answers, and it has what spotbox_session.py uses', () => {
    const help = execFileSync('python3', ['-B', built, '--help'], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'resources', 'agent') } });
    assert.match(help, /run,checkpoint-now/);
    const session = fs.readFileSync(path.join(repoRoot, 'resources', 'agent', 'spotbox_session.py'), 'utf8');
    const used = [...new Set([...session.matchAll(/\bagent\.([A-Za-z_]\w*)/g)].map((match) => match[1]))].filter((name) => name !== 'py' && name !== 'json');
    const missing = execFileSync('python3', ['-B', '-c', `import sys, json\nsys.path[:0] = [${JSON.stringify(path.dirname(built))}, ${JSON.stringify(path.join(repoRoot, 'resources', 'agent'))}]\nimport spotbox_agent\nprint(json.dumps([n for n in ${JSON.stringify(used)} if not hasattr(spotbox_agent, n)]))`], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(missing), []);
    assert.ok(used.includes('load_config') && used.includes('session_base'), used.join(', '));
  });

  it('refuses two modules that define the same name: one namespace once concatenated', () => {
    const dir = modulesFolder({ 'a.py': '"""A."""\nimport os\n\n\ndef helper():\n    return os.sep\n', 'b.py': '"""B."""\n\n\ndef helper():\n    return 1\n' });
    assert.match(assemble(dir, ['a', 'b']).error ?? '', /b\.py defines helper, as a\.py does/);
  });

  it('refuses an import of a module listed later, or of a name its module lacks', () => {
    const dir = modulesFolder({ 'a.py': '"""A."""\nfrom .b import value\n\nother = value\n', 'b.py': '"""B."""\nvalue = 1\n' });
    assert.match(assemble(dir, ['a', 'b']).error ?? '', /defines no value/);
    assert.match(assemble(dir, ['b', 'a']).text ?? '', /value = 1[\s\S]*other = value/);
    const typo = modulesFolder({ 'a.py': '"""A."""\nvalue = 1\n', 'b.py': '"""B."""\nfrom .a import valeu\n' });
    assert.match(assemble(typo, ['a', 'b']).error ?? '', /a\.py .* defines no valeu/);
  });

  it('refuses a module it was not told the place of', () => {
    const dir = modulesFolder({ 'a.py': '"""A."""\nvalue = 1\n', 'extra.py': '"""Extra."""\n' });
    assert.match(assemble(dir, ['a']).error ?? '', /not in AGENT_MODULES: extra/);
  });

  it('drops the intra-package imports and gathers the standard ones once, at the top', () => {
    const dir = modulesFolder({ 'a.py': '"""A."""\nimport os\nimport json\n\nvalue = os.sep\n', 'b.py': '"""B."""\nimport os\n\nfrom .a import value\n\nother = value\n' });
    const text = assemble(dir, ['a', 'b']).text ?? '';
    assert.equal((text.match(/^import os$/gm) ?? []).length, 1);
    assert.ok(text.indexOf('import json') < text.indexOf('import os'));
    assert.ok(!text.includes('from .a'));
  });
});
