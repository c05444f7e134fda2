// How the dashboard writes its figures. Shared by the webview (which renders them) and the
// integration test (which reads them back), so both agree on what a figure looks like. Plain
// functions only: this file is bundled into the webview.
import { FIRST_HOUR_NOT_CHARGED } from '../billing/firstHourInterruption';

export function usd(amount: number): string {
  const sign = amount < 0 ? '-' : '';
  const magnitude = Math.abs(amount);
  return magnitude >= 1000 ? `${sign}$${Math.round(magnitude).toLocaleString('en-US')}` : `${sign}$${magnitude.toFixed(2)}`;
}

/** Per-epoch and per-hour figures can be fractions of a cent. */
export function usdFine(amount: number): string {
  return Math.abs(amount) < 1 && amount !== 0 ? `${amount < 0 ? '-' : ''}$${Math.abs(amount).toFixed(3)}` : usd(amount);
}

export function percent(value: number | undefined): string {
  return value === undefined ? '–' : `${value.toFixed(1)} %`;
}

export function hours(value: number): string {
  return value < 10 ? `${value.toFixed(1)} h` : `${Math.round(value).toLocaleString('en-US')} h`;
}

/** E.g. "1 session interrupted by EC2 in its first hour: not charged ($0.42 waived by AWS)". */
export function notChargedText(sessions: number, waivedUsd: number): string {
  return `${sessions} session${sessions === 1 ? '' : 's'} ${FIRST_HOUR_NOT_CHARGED} (${usd(waivedUsd)} waived by AWS)`;
}
