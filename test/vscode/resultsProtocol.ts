/**
 * Files through which the integration suite, running inside VS Code's extension host, talks to
 * whichever launcher started VS Code. Plain files work across both launchers and both processes.
 */
export const RESULTS_DIR_ENV = 'SPOTBOX_TEST_RESULTS_DIR';
/** Set only by launchers that can see the rendered workbench (the code-server + Chromium one). */
export const UI_PROBE_DIR_ENV = 'SPOTBOX_UI_PROBE_DIR';

export const RESULTS_FILE = 'integration-results.json';
export const PROGRESS_FILE = 'integration-progress.log';

export interface TestOutcome {
  readonly title: string;
  readonly state: 'passed' | 'failed' | 'pending';
  readonly durationMs?: number;
  readonly error?: string;
}

export interface IntegrationResults {
  readonly vscodeVersion: string;
  readonly appName: string;
  readonly appHost: string;
  readonly remoteName?: string;
  readonly passed: number;
  readonly failed: number;
  readonly pending: number;
  readonly tests: readonly TestOutcome[];
  readonly measurements: Readonly<Record<string, number>>;
}

/** A request from a test to look at the rendered workbench: CSS selectors to query, and a screenshot name. */
export interface UiProbeRequest {
  readonly name: string;
  readonly queries: Readonly<Record<string, string>>;
  /** Also look inside iframes (webviews render in nested frames). */
  readonly includeFrames?: boolean;
  /** Done before querying, like a user would: type into a field or click, found in any frame. */
  readonly actions?: ReadonlyArray<{ readonly selector: string; readonly fill?: string; readonly click?: boolean }>;
}

export interface UiElement {
  readonly text: string;
  readonly ariaLabel: string | null;
  readonly visible: boolean;
}

export interface UiProbeResponse {
  readonly screenshot: string;
  readonly found: Readonly<Record<string, readonly UiElement[]>>;
  /** Set when an action could not be done; the test decides what that means. */
  readonly error?: string;
}
