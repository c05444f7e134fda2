import type * as vscode from 'vscode';
import type { Logger } from '../core/logging/logger';
import { scrubSecrets } from '../core/logging/scrubSecrets';

/** The one logger: every component writes to the "Spotbox" LogOutputChannel, tagged and scrubbed. */
export function createOutputChannelLogger(channel: vscode.LogOutputChannel, component?: string): Logger {
  const tag = (message: string): string => scrubSecrets(component ? `[${component}] ${message}` : message);
  return {
    trace: (message) => channel.trace(tag(message)),
    debug: (message) => channel.debug(tag(message)),
    info: (message) => channel.info(tag(message)),
    warn: (message) => channel.warn(tag(message)),
    error: (message) => channel.error(tag(message instanceof Error ? (message.stack ?? message.message) : message)),
    child: (child) => createOutputChannelLogger(channel, component ? `${component}.${child}` : child),
  };
}
