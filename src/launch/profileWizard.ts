import * as vscode from 'vscode';
import type { PricingContext } from '../core/calculator/pricingContext';
import type { SpotboxProfile } from '../core/profile/profileTypes';
import { ProfileWizard } from '../core/profile/wizard/profileWizard';
import type { DocLink, InputStep, PickStep, PriceQuery, SpotQuote, Validation, WizardStep } from '../core/profile/wizard/wizardTypes';

export interface ProfileWizardOptions {
  readonly pricing: PricingContext;
  /** Prefilled box name, e.g. from the workspace folder. */
  readonly defaultName: string;
  /** Ticked at first: the spotbox.regions setting. */
  readonly defaultRegions: readonly string[];
}

type Reply = { readonly back: true } | { readonly value: string | readonly string[] } | { readonly open: DocLink } | undefined;

// The extension's id (package.json publisher.name): where its README is.
const EXTENSION_ID = 'spotbox.spotbox';

interface WizardPickItem extends vscode.QuickPickItem {
  readonly id: string;
  readonly opens?: DocLink;
}

/**
 * Runs the launch-profile wizard (src/core/profile/wizard) as QuickPicks and InputBoxes with a Back
 * button. Resolves with the profile and its file text, or undefined when the user closes a step.
 */
export async function runProfileWizard(options: ProfileWizardOptions): Promise<{ profile: SpotboxProfile; text: string } | undefined> {
  const wizard = new ProfileWizard({
    catalogs: options.pricing.catalogs,
    knownRegions: options.pricing.knownRegions,
    defaultName: options.defaultName,
    defaultRegions: options.defaultRegions,
  });
  let problem: string | undefined;
  while (!wizard.done) {
    const query = wizard.priceQuery;
    if (query) {
      wizard.setSpotQuote(query.key, await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Spotbox: reading spot prices' }, () => cheapestSpot(options.pricing, query)));
    }
    const reply = await ask(wizard.current, problem);
    if (!reply) return undefined;
    if ('open' in reply) {
      // The step shows again once the section is open, with its problem if it had one.
      await openDoc(reply.open);
    } else if ('back' in reply) {
      wizard.back();
      problem = undefined;
    } else {
      problem = wizard.answer(reply.value)?.message;
    }
  }
  return { profile: wizard.profile(), text: wizard.fileText() };
}

/** The cheapest spot pool among the query's types; undefined (the wizard then uses the catalogs) when none answers. */
async function cheapestSpot(pricing: PricingContext, query: PriceQuery): Promise<SpotQuote | undefined> {
  try {
    const scans = query.gpu
      ? [await pricing.priceService.scanPools({ gpu: query.gpu, regions: query.regions })]
      : await Promise.all(query.instanceTypes.map((instanceType) => pricing.priceService.scanPools({ instanceType, regions: query.regions })));
    const best = scans
      .flatMap((scan) => scan.pools)
      .filter((pool) => pool.cloud === 'aws' && query.instanceTypes.includes(pool.instanceType))
      .sort((a, b) => a.spot.usdPerHour - b.spot.usdPerHour)[0];
    return best && { usdPerHour: best.spot.usdPerHour, instanceType: best.instanceType, region: best.region, source: best.spot.source };
  } catch {
    return undefined;
  }
}

/** The README section in the Markdown preview, scrolled to its heading; the wizard goes on either way. */
async function openDoc(doc: DocLink): Promise<void> {
  const root = vscode.extensions.getExtension(EXTENSION_ID)?.extensionUri;
  if (!root) {
    void vscode.window.showInformationMessage(`See "${doc.heading}" in Spotbox's ${doc.file}.`);
    return;
  }
  await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.joinPath(root, doc.file).with({ fragment: doc.anchor }));
}

function ask(step: WizardStep, problem: string | undefined): Promise<Reply> {
  return step.kind === 'pick' ? askPick(step, problem) : askInput(step);
}

/** Shows one quick input and settles once: accepted, Back, or closed. */
function settleOnce(input: vscode.QuickInput, wire: (settle: (reply: Reply) => void) => vscode.Disposable[]): Promise<Reply> {
  return new Promise((resolve) => {
    let settled = false;
    const disposables: vscode.Disposable[] = [];
    const settle = (reply: Reply): void => {
      if (settled) return;
      settled = true;
      for (const disposable of disposables) disposable.dispose();
      input.dispose();
      resolve(reply);
    };
    disposables.push(...wire(settle), input.onDidHide(() => settle(undefined)));
    input.show();
  });
}

function askPick(step: PickStep, problem: string | undefined): Promise<Reply> {
  const quickPick = vscode.window.createQuickPick<WizardPickItem>();
  quickPick.title = step.title;
  quickPick.step = step.step;
  quickPick.totalSteps = step.totalSteps;
  // A QuickPick has no validation message: the problem goes where the eye is.
  quickPick.placeholder = problem ? `${problem} ${step.placeholder}` : step.placeholder;
  quickPick.canSelectMany = step.canPickMany;
  quickPick.ignoreFocusOut = true;
  quickPick.matchOnDescription = true;
  quickPick.matchOnDetail = true;
  quickPick.buttons = step.canGoBack ? [vscode.QuickInputButtons.Back] : [];
  const items: WizardPickItem[] = step.items.map((item) => ({ id: item.id, label: item.label, description: item.description, detail: item.detail, picked: item.picked, opens: item.opens }));
  quickPick.items = items;
  if (step.canPickMany) {
    quickPick.selectedItems = items.filter((item) => item.picked);
  } else {
    // Focused so that accepting at once (Enter, or acceptSelectedQuickOpenItem in tests) takes the default.
    quickPick.activeItems = items.filter((item) => item.id === step.activeId).slice(0, 1);
  }
  return settleOnce(quickPick, (settle) => [
    quickPick.onDidTriggerButton((button) => button === vscode.QuickInputButtons.Back && settle({ back: true })),
    quickPick.onDidAccept(() => {
      const chosen = step.canPickMany ? quickPick.selectedItems : quickPick.selectedItems.length > 0 ? quickPick.selectedItems : quickPick.activeItems;
      const opens = step.canPickMany ? undefined : chosen[0]?.opens;
      settle(opens ? { open: opens } : { value: chosen.map((item) => item.id) });
    }),
  ]);
}

function askInput(step: InputStep): Promise<Reply> {
  const inputBox = vscode.window.createInputBox();
  inputBox.title = step.title;
  inputBox.step = step.step;
  inputBox.totalSteps = step.totalSteps;
  inputBox.value = step.value;
  inputBox.prompt = step.prompt;
  inputBox.placeholder = step.placeholder;
  inputBox.ignoreFocusOut = true;
  inputBox.buttons = step.canGoBack ? [vscode.QuickInputButtons.Back] : [];
  inputBox.validationMessage = toValidationMessage(step.validate(step.value));
  return settleOnce(inputBox, (settle) => [
    inputBox.onDidTriggerButton((button) => button === vscode.QuickInputButtons.Back && settle({ back: true })),
    inputBox.onDidChangeValue((value) => (inputBox.validationMessage = toValidationMessage(step.validate(value)))),
    inputBox.onDidAccept(() => {
      const validation = step.validate(inputBox.value);
      if (validation?.severity === 'error') {
        inputBox.validationMessage = toValidationMessage(validation);
        return;
      }
      settle({ value: inputBox.value });
    }),
  ]);
}

function toValidationMessage(validation: Validation | undefined): vscode.InputBoxValidationMessage | undefined {
  return validation && { message: validation.message, severity: validation.severity === 'error' ? vscode.InputBoxValidationSeverity.Error : vscode.InputBoxValidationSeverity.Warning };
}
