import type { CalculatorPanels } from '../../webviews/calculator/calculatorPanel';

/** Spotbox: Estimate Savings — opens (or reveals) the spot savings calculator. */
export function estimateSavingsCommand(panels: CalculatorPanels): void {
  void panels.show();
}
