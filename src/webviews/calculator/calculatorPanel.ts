import * as vscode from 'vscode';
import { isCancellation, userMessageOf } from '../../core/errors';
import type { Logger } from '../../core/logging/logger';
import { DEFAULT_CALCULATOR_INPUTS, parseCalculatorInputs, type CalculatorInputs, type CalculatorResult } from '../../core/calculator/calculatorModel';
import { SingletonPanel, type PanelSession } from '../singletonPanel';
import { calculatorMessageOf } from '../webviewMessages';
import { calculatorHtml } from './calculatorHtml';
import type { ExtensionToWebview, WebviewToExtension } from './protocol';

const STATE_KEY = 'spotbox.calculator.inputs';

export interface CalculatorPanelDeps {
  readonly extensionUri: vscode.Uri;
  /** Remembers the last inputs, so a reopened panel starts where the user left it. */
  readonly state: vscode.Memento;
  readonly logger: Logger;
  calculate(inputs: CalculatorInputs): Promise<CalculatorResult>;
  knownRegions(): Promise<readonly string[]>;
  readonly gpuExamples: readonly string[];
  launchFrom(poolId: string, result: CalculatorResult | undefined): Promise<void>;
}

/** Owns the one calculator panel: reveals it if open, otherwise creates it. */
export class CalculatorPanels extends SingletonPanel<WebviewToExtension> {
  private lastResult: CalculatorResult | undefined;
  /** Answers only the newest request: an older, slower estimate must not overwrite a newer one. */
  private requestSequence = 0;

  constructor(private readonly deps: CalculatorPanelDeps) {
    super({
      extensionUri: deps.extensionUri,
      logger: deps.logger,
      viewType: 'spotbox.calculator',
      title: 'Spotbox: Estimate Savings',
      page: 'calculator',
      html: calculatorHtml,
    });
  }

  /** The last result shown, for tests and for "Launch this". */
  get currentResult(): CalculatorResult | undefined {
    return this.lastResult;
  }

  protected override messageOf(raw: unknown): WebviewToExtension | undefined {
    return calculatorMessageOf(raw);
  }

  protected override open(panel: vscode.WebviewPanel): PanelSession<WebviewToExtension> {
    return { onMessage: (message) => this.onMessage(panel, message) };
  }

  private async onMessage(panel: vscode.WebviewPanel, message: WebviewToExtension): Promise<void> {
    const post = (reply: ExtensionToWebview): Thenable<boolean> => panel.webview.postMessage(reply);
    switch (message.type) {
      case 'ready': {
        const stored = this.deps.state.get<unknown>(STATE_KEY);
        const parsed = stored === undefined ? DEFAULT_CALCULATOR_INPUTS : parseCalculatorInputs(stored);
        const inputs = 'error' in parsed ? DEFAULT_CALCULATOR_INPUTS : parsed;
        await post({ type: 'init', inputs, knownRegions: await this.deps.knownRegions(), gpuExamples: this.deps.gpuExamples });
        return;
      }
      case 'estimate': {
        const parsed = parseCalculatorInputs(message.inputs);
        if ('error' in parsed) {
          await post({ type: 'error', field: parsed.field, message: parsed.error });
          return;
        }
        const sequence = ++this.requestSequence;
        await this.deps.state.update(STATE_KEY, parsed);
        await post({ type: 'busy' });
        try {
          const result = await this.deps.calculate(parsed);
          if (sequence === this.requestSequence) {
            this.lastResult = result;
            await post({ type: 'result', result });
          }
        } catch (error) {
          if (sequence === this.requestSequence && !isCancellation(error)) {
            const field = (error as { field?: string }).field === 'gpuOrInstanceType' ? 'gpuOrInstanceType' : undefined;
            this.deps.logger.warn(`estimate failed: ${userMessageOf(error)}`);
            await post({ type: 'error', field, message: userMessageOf(error) });
          }
        }
        return;
      }
      case 'launch':
        await this.deps.launchFrom(message.poolId, this.lastResult);
        return;
    }
  }
}
