/**
 * Every command Spotbox contributes, each with the file of its handler under src/commands/
 * (`<noun>/<verb>`). No `vscode` import: the unit test compares this list with package.json's
 * `contributes.commands` in plain Node, and the registry (commandRegistry.ts) is typed against it,
 * so a command cannot be contributed without a handler, nor registered without being contributed.
 */
export const COMMAND_HANDLER_FILES = {
  'spotbox.estimateSavings': 'savings/estimate',
  'spotbox.openCostDashboard': 'dashboard/open',
  'spotbox.launchBox': 'box/launch',
  'spotbox.attach': 'box/attach',
  'spotbox.openTerminal': 'terminal/open',
  'spotbox.terminateBox': 'box/terminate',
  'spotbox.refresh': 'boxes/refresh',
  'spotbox.showLog': 'log/show',
  'spotbox.openSandboxGuide': 'sandboxGuide/open',
  'spotbox.sweepOrphans': 'orphans/sweep',
  'spotbox.forwardPort': 'portForward/start',
  'spotbox.stopPortForward': 'portForward/stop',
  'spotbox.copySshCommand': 'sshCommand/copy',
  'spotbox.checkpointNow': 'checkpoint/save',
  'spotbox.restoreCheckpoint': 'checkpoint/restore',
  'spotbox.showRecoveryTimeline': 'recoveryTimeline/show',
  'spotbox.rehearseInterruption': 'interruption/rehearse',
  'spotbox.chooseAwsProfile': 'awsProfile/choose',
  'spotbox.chooseGcpProject': 'gcpProject/choose',
  'spotbox.chooseAzureSubscription': 'azureSubscription/choose',
} as const;

export type CommandId = keyof typeof COMMAND_HANDLER_FILES;

export const COMMAND_IDS = Object.keys(COMMAND_HANDLER_FILES) as CommandId[];
