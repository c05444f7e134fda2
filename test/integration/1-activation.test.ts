import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { measurements } from './measurements';
import { spotboxExtension } from './extensionHarness';

interface ContributedCommand {
  command: string;
  category?: string;
}

describe('Activation and contributions', () => {
  it('activates lazily and reports how long activate() took', async () => {
    const extension = spotboxExtension();
    assert.equal(extension.isActive, false, 'nothing should activate Spotbox before its view or a command is used');
    const started = performance.now();
    const api = await extension.activate();
    measurements.set('activateCallMs', performance.now() - started);
    measurements.set('activationMs', api.activationMs);
    assert.equal(extension.isActive, true);
    assert.ok(api.activationMs > 0);
  });

  it('registers every command that package.json contributes, under the Spotbox category', async () => {
    const contributed = (spotboxExtension().packageJSON as { contributes: { commands: ContributedCommand[] } }).contributes.commands;
    assert.ok(contributed.length >= 7);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((command) => !registered.has(command.command)).map((command) => command.command);
    assert.deepEqual(missing, [], `contributed but never registered: ${missing.join(', ')}`);
    assert.deepEqual(
      contributed.filter((command) => command.category !== 'Spotbox').map((command) => command.command),
      [],
    );
  });

  it('declares only lazy activation events', () => {
    const events = (spotboxExtension().packageJSON as { activationEvents?: string[] }).activationEvents ?? [];
    assert.ok(!events.includes('*') && !events.includes('onStartupFinished'), `eager activation: ${events.join(', ')}`);
  });
});
