/**
 * Files through which the integration suite, running inside VS Code's extension host, talks to
 * whichever launcher started VS Code. Plain files work across both launchers and both processes.
 */
export const RESULTS_DIR_ENV = 'SPOTBOX_TEST_RESULTS_DIR';
/** Set only by launchers that can see the rendered workbench (the code-server + Chromium one). */
export const UI_PROBE_DIR_ENV = 'SPOTBOX_UI_PROBE_DIR';
/** Which launcher started VS Code ('electron' | 'code-server'): under code-server the UI probe is mandatory. */
export const LAUNCHER_ENV = 'SPOTBOX_TEST_LAUNCHER';

export const RESULTS_FILE = 'integration-results.json';
export const PROGRESS_FILE = 'integration-progress.log';

export interface TestOutcome {
  readonly title: string;
  readonly state: 'passed' | 'failed' | 'pending';
  readonly durationMs?: number;
  readonly error?: string;
  /** Why a pending (skipped) test was skipped. */
  readonly reason?: string;
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
  /** Done before querying, like a user would: type into a field, click or press a key, found in any frame. */
  readonly actions?: ReadonlyArray<UiProbeAction>;
}

export interface UiProbeAction {
  readonly selector: string;
  /** Only elements whose rendered text matches this regular expression (source, case-sensitive). */
  readonly hasText?: string;
  /** Only the element at this index among those the selector matches (as a query with it listed them). */
  readonly nth?: number;
  readonly fill?: string;
  readonly click?: boolean;
  /** Right-click (a tree row's context menu). */
  readonly rightClick?: boolean;
  /** A key pressed on the element after the rest (e.g. "Enter"). */
  readonly press?: string;
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
