import type { CalculatorInputs, WebviewToExtension as CalculatorMessage } from './calculator/protocol';
import type { WebviewToExtension as DashboardMessage } from './dashboard/protocol';

// A webview's messages are typed at compile time only; at run time they are whatever the page
// (or content injected into it) posts. Each panel takes a message only once it has the shape its
// protocol promises; anything else is dropped and logged by the caller.

function typeOf(raw: unknown): string | undefined {
  return typeof raw === 'object' && raw !== null && typeof (raw as { type?: unknown }).type === 'string' ? (raw as { type: string }).type : undefined;
}

/** The calculator's message, or undefined. The inputs are checked again by parseCalculatorInputs. */
export function calculatorMessageOf(raw: unknown): CalculatorMessage | undefined {
  switch (typeOf(raw)) {
    case 'ready':
      return { type: 'ready' };
    case 'estimate': {
      const inputs = (raw as { inputs?: unknown }).inputs;
      return typeof inputs === 'object' && inputs !== null ? { type: 'estimate', inputs: inputs as CalculatorInputs } : undefined;
    }
    case 'launch': {
      const poolId = (raw as { poolId?: unknown }).poolId;
      return typeof poolId === 'string' && poolId.length > 0 && poolId.length <= 200 ? { type: 'launch', poolId } : undefined;
    }
    default:
      return undefined;
  }
}

/** The dashboard's message, or undefined: its messages carry nothing but their type. */
export function dashboardMessageOf(raw: unknown): DashboardMessage | undefined {
  const type = typeOf(raw);
  return type === 'ready' || type === 'launchBox' || type === 'openAlertSetting' ? { type } : undefined;
}
