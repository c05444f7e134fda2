import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const dist = path.resolve(__dirname, '../../../dist');

interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<string, { imports: Array<{ path: string; kind: string; external?: boolean }> }>;
}

describe('dist/extension.js (what activation loads)', () => {
  const bundle = path.join(dist, 'extension.js');

  it('stays under 300 kB', () => {
    const size = fs.statSync(bundle).size;
    assert.ok(size < 300_000, `dist/extension.js is ${size} bytes`);
  });

  it('contains neither the AWS SDK nor ssh2, and reaches them only through dynamic import', () => {
    const meta = JSON.parse(fs.readFileSync(path.join(dist, 'meta.json'), 'utf8')) as Metafile;
    const heavyInputs = Object.keys(meta.inputs).filter((input) => /node_modules[\\/](@aws-sdk|@smithy|ssh2)[\\/]/.test(input));
    assert.deepEqual(heavyInputs, []);
    for (const output of Object.values(meta.outputs)) {
      for (const imported of output.imports.filter((entry) => /vendor\//.test(entry.path))) {
        assert.equal(imported.kind, 'dynamic-import', `${imported.path} is imported statically`);
      }
    }
  });

  it('does not require anything but vscode and Node built-ins at load', () => {
    const source = fs.readFileSync(bundle, 'utf8');
    const required = [...source.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]);
    const unexpected = required.filter((name) => name !== 'vscode' && !name.startsWith('node:') && !/^[a-z_]+$/.test(name) && !name.startsWith('./vendor/'));
    assert.deepEqual(unexpected, []);
  });
});
