import * as vscode from 'vscode';
import { Emitter } from '../core/events';
import type { Logger } from '../core/logging/logger';
import { explicitSettingsReader } from '../core/config/explicitSetting';
import { parseSettings, SETTING_KEYS, type SettingKey, type SpotboxSettings } from '../core/config/settings';

const SECTION = 'spotbox';

/** The single place Spotbox reads its settings; fires per changed key so features react narrowly. */
export class SettingsReader implements vscode.Disposable {
  private readonly changed = new Emitter<{ settings: SpotboxSettings; keys: SettingKey[] }>();
  readonly onDidChange = this.changed.event;
  private current: SpotboxSettings;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly logger: Logger) {
    this.current = this.read();
    this.subscription = vscode.workspace.onDidChangeConfiguration((event) => {
      const keys = Object.values(SETTING_KEYS).filter((key) => event.affectsConfiguration(`${SECTION}.${key}`));
      if (keys.length > 0) {
        this.current = this.read();
        this.changed.fire({ settings: this.current, keys });
      }
    });
  }

  get settings(): SpotboxSettings {
    return this.current;
  }

  private read(): SpotboxSettings {
    const configuration = vscode.workspace.getConfiguration(SECTION);
    // Only what the user set: an unset key's package.json default must not outrank the environment.
    const { settings, problems } = parseSettings(explicitSettingsReader(configuration), process.env);
    for (const problem of problems) {
      this.logger.warn(problem.message);
      // This one decides who may SSH into a box: say so where the user looks, not only in the log.
      if (problem.key === SETTING_KEYS.checkIpUrl) {
        void vscode.window.showWarningMessage(problem.message);
      }
    }
    return settings;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
