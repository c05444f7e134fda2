/**
 * The calculator webview's message protocol, shared by the extension (calculatorPanel.ts) and the
 * webview script (media/calculator/main.ts). Plain data only: no vscode import.
 */
import type { CalculatorInputs, CalculatorResult } from '../../core/calculator/calculatorModel';

export type { CalculatorInputs, CalculatorResult, CloudComparisonRow, PoolRow } from '../../core/calculator/calculatorModel';

export type WebviewToExtension =
  | { readonly type: 'ready' }
  | { readonly type: 'estimate'; readonly inputs: CalculatorInputs }
  | { readonly type: 'launch'; readonly poolId: string };

export type ExtensionToWebview =
  | { readonly type: 'init'; readonly inputs: CalculatorInputs; readonly knownRegions: readonly string[]; readonly gpuExamples: readonly string[] }
  | { readonly type: 'busy' }
  | { readonly type: 'result'; readonly result: CalculatorResult }
  | { readonly type: 'error'; readonly field?: keyof CalculatorInputs; readonly message: string };

