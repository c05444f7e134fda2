import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMMAND_HANDLER_FILES, COMMAND_IDS } from '../../../src/commands/commandIds';

// Compiled to out/test/unit/commands/: the checkout's root is four folders up.
const root = path.resolve(__dirname, '../../../..');

describe('the command registry (src/commands/commandIds.ts, commandRegistry.ts)', () => {
  it("lists exactly package.json's contributed commands", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
    const contributed = manifest.contributes.commands.map((entry) => entry.command);
    assert.equal(new Set(COMMAND_IDS).size, COMMAND_IDS.length, 'no id twice');
    assert.deepEqual([...COMMAND_IDS].sort(), [...contributed].sort());
  });

  it('has each handler at src/commands/<noun>/<verb>.ts', () => {
    const missing = COMMAND_IDS.filter((id) => !fs.existsSync(path.join(root, 'src', 'commands', `${COMMAND_HANDLER_FILES[id]}.ts`)));
    assert.deepEqual(missing.map((id) => `${id} -> src/commands/${COMMAND_HANDLER_FILES[id]}.ts`), []);
  });

  it('has one <noun>/<verb> path per command', () => {
    const files = Object.values(COMMAND_HANDLER_FILES);
    assert.equal(new Set(files).size, files.length);
    for (const file of files) assert.match(file, /^[a-z][A-Za-z]*\/[a-z][A-Za-z]*$/);
  });
});
