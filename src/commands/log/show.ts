/** Spotbox: Show Log — reveals the Spotbox output channel. */
export function showLogCommand(showLogs: () => void): void {
  showLogs();
}
