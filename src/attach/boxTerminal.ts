import * as vscode from 'vscode';
import type { Box } from '../core/boxes/box';
import { TerminalSession } from '../core/ssh/terminalSession';
import type { Client } from 'ssh2';

export interface BoxTerminalDeps {
  readonly connect: () => Promise<Client>;
  readonly boxAlive: () => Promise<boolean>;
}

const YELLOW = '\x1b[33m';
const RESET = '\x1b[0m';

/**
 * A terminal whose shell runs on the box over ssh2: resized with the panel, reconnecting while the
 * box lives. When the session ends the terminal stays open with the reason until a key is pressed,
 * so the user can read why.
 */
export function createBoxTerminal(box: Box, deps: BoxTerminalDeps): vscode.Terminal {
  const write = new vscode.EventEmitter<string>();
  const close = new vscode.EventEmitter<number | void>();
  let ended = false;
  const session = new TerminalSession({
    connect: deps.connect,
    boxAlive: deps.boxAlive,
    onData: (text) => write.fire(text),
    onStatus: (text) => write.fire(`\r\n${YELLOW}[spotbox] ${text}${RESET}\r\n`),
    onClose: (reason) => {
      ended = true;
      write.fire(`\r\n${YELLOW}[spotbox] ${reason} Press any key to close this terminal.${RESET}\r\n`);
    },
  });
  const pty: vscode.Pseudoterminal = {
    onDidWrite: write.event,
    onDidClose: close.event,
    open: (dimensions) => {
      write.fire(`${YELLOW}[spotbox] Connecting to ${box.name} (${box.instanceId}, host key pinned)…${RESET}\r\n`);
      session.open(dimensions?.columns ?? 80, dimensions?.rows ?? 24).catch(() => undefined);
    },
    handleInput: (data) => {
      if (ended) {
        close.fire();
        return;
      }
      session.input(data);
    },
    setDimensions: (dimensions) => session.resize(dimensions.columns, dimensions.rows),
    close: () => {
      session.close();
      write.dispose();
      close.dispose();
    },
  };
  return vscode.window.createTerminal({ name: `Spotbox: ${box.name}`, pty, iconPath: new vscode.ThemeIcon('vm-connect') });
}
