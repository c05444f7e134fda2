import * as vscode from 'vscode';
import { SpotboxError, UserCancelledError } from '../core/errors';
import type { PricingContext } from '../core/calculator/pricingContext';
import { parseSettings } from '../core/config/settings';
import { parseProfile } from '../core/profile/parseProfile';
import type { ProfileProblem, SpotboxProfile } from '../core/profile/profileTypes';
import { validateProfile } from '../core/profile/validateProfile';
import { runProfileWizard } from './profileWizard';

export const PROFILE_PATH = ['.spotbox', 'profile.json'] as const;

function toDiagnostic(problem: ProfileProblem): vscode.Diagnostic {
  const start = new vscode.Position(problem.line - 1, problem.column - 1);
  const range = new vscode.Range(start, start.translate(0, Math.max(1, problem.length)));
  const diagnostic = new vscode.Diagnostic(range, problem.message, vscode.DiagnosticSeverity.Error);
  diagnostic.source = 'Spotbox';
  return diagnostic;
}

/**
 * Reads and checks the workspace's launch profile. Problems go to the Problems panel at their
 * position, the file opens at the first one, and the launch stops before anything is created.
 * Without a profile, offers the profile wizard; the launch then goes on with what it wrote.
 */
export async function loadLaunchProfile(
  diagnostics: vscode.DiagnosticCollection,
  pricing: PricingContext,
  options: { readonly defaultRegions?: readonly string[] } = {},
): Promise<{ profile: SpotboxProfile; uri: vscode.Uri }> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    throw new SpotboxError('Spotbox launches boxes for a workspace folder, and none is open.', 'Open the folder of your training project, then run Launch again.');
  }
  const uri = vscode.Uri.joinPath(folder.uri, ...PROFILE_PATH);
  let text: string;
  try {
    text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    text = await createProfileWithWizard(uri, folder.name, pricing, options.defaultRegions ?? configuredRegions());
  }
  const parsed = parseProfile(text, PROFILE_PATH.join('/'));
  const problems = parsed.profile
    ? validateProfile(parsed.profile, {
        knownRegions: pricing.knownRegions,
        knownInstanceTypes: Object.keys(pricing.catalogs.onDemand.instanceTypes),
        locate: parsed.locate,
        catalogs: pricing.catalogs,
      })
    : parsed.problems;
  diagnostics.set(uri, problems.map(toDiagnostic));
  const first = problems[0];
  if (first || !parsed.profile) {
    const editor = await vscode.window.showTextDocument(uri, { preserveFocus: false });
    if (first) {
      const position = new vscode.Position(first.line - 1, first.column - 1);
      editor.selection = new vscode.Selection(position, position);
      editor.revealRange(new vscode.Range(position, position));
    }
    throw new SpotboxError(
      `.spotbox/profile.json:${first?.line ?? 1}:${first?.column ?? 1}: ${first?.message ?? 'the profile could not be read'}.`,
      `Fix ${problems.length > 1 ? `the ${problems.length} problems` : 'it'} (see the Problems panel); nothing was created.`,
    );
  }
  return { profile: parsed.profile, uri };
}

/**
 * Offers the wizard as a QuickPick (so the offer, too, can be taken with Enter), writes what it
 * makes and opens it. Resolves with the file text; throws a cancellation when the user declines.
 */
async function createProfileWithWizard(uri: vscode.Uri, folderName: string, pricing: PricingContext, defaultRegions: readonly string[]): Promise<string> {
  const create = { label: '$(wand) Create a launch profile step by step', detail: 'Name, regions, GPUs, max price, image, checkpoints and the training command to resume; you review the file before it is written.' };
  const offer = await vscode.window.showQuickPick([create, { label: '$(close) Cancel' }], {
    title: 'This workspace has no launch profile (.spotbox/profile.json) yet',
    placeHolder: 'Spotbox launches boxes from a profile',
    ignoreFocusOut: true,
  });
  if (offer !== create) {
    throw new UserCancelledError();
  }
  const defaultName = folderName.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '') || 'box';
  const made = await runProfileWizard({ pricing, defaultName, defaultRegions });
  if (!made) {
    throw new UserCancelledError();
  }
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(made.text));
  await vscode.window.showTextDocument(uri, { preview: false });
  return made.text;
}

/**
 * The spotbox.regions setting, for callers that do not pass the SettingsReader's value; read
 * through the same parser, so a bad value falls back the same way.
 */
function configuredRegions(): readonly string[] {
  const configuration = vscode.workspace.getConfiguration('spotbox');
  return parseSettings((key) => configuration.get(key), process.env).settings.regions;
}
