import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import type { UiElement, UiProbeAction, UiProbeRequest, UiProbeResponse } from './resultsProtocol';

/**
 * Launcher side of the UI probe: answers each request file the suite writes with what the
 * rendered workbench shows, plus a screenshot saved under test-results/screenshots/.
 */
export class UiProbeServer {
  private readonly answered = new Set<string>();

  constructor(
    private readonly probeDir: string,
    private readonly screenshotDir: string,
    private readonly page: Page,
    private readonly log: (line: string) => void,
  ) {
    fs.mkdirSync(probeDir, { recursive: true });
    fs.mkdirSync(screenshotDir, { recursive: true });
  }

  async answerPending(): Promise<void> {
    const requests = fs.readdirSync(this.probeDir).filter((name) => name.endsWith('.request.json') && !this.answered.has(name));
    for (const name of requests.sort()) {
      this.answered.add(name);
      const base = path.join(this.probeDir, name.replace(/\.request\.json$/, ''));
      const request = JSON.parse(fs.readFileSync(path.join(this.probeDir, name), 'utf8')) as UiProbeRequest;
      const response = await this.answer(request).catch((error: unknown): UiProbeResponse => ({
        screenshot: '',
        found: {},
        error: error instanceof Error ? error.message : String(error),
      }));
      fs.writeFileSync(`${base}.response.tmp`, JSON.stringify(response));
      fs.renameSync(`${base}.response.tmp`, `${base}.response.json`);
    }
  }

  private async answer(request: UiProbeRequest): Promise<UiProbeResponse> {
    for (const action of request.actions ?? []) {
      await this.act(action);
    }
    // Let the workbench finish the layout the test just caused before looking at it.
    await this.page.waitForTimeout(300);
    const frames = request.includeFrames ? this.page.frames() : [this.page.mainFrame()];
    const found: Record<string, UiElement[]> = {};
    for (const [key, selector] of Object.entries(request.queries)) {
      found[key] = [];
      for (const frame of frames) {
        found[key].push(...(await this.query(frame, selector)));
      }
    }
    const screenshot = path.join(this.screenshotDir, `${request.name.replace(/[^\w.-]/g, '_')}.png`);
    await this.page.screenshot({ path: screenshot });
    this.log(`  [ui] ${request.name}: screenshot ${path.relative(process.cwd(), screenshot)}`);
    return { screenshot, found };
  }

  /** Finds the action's element in whichever frame has it, and acts on it as a user would. */
  private async act(action: UiProbeAction): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      for (const frame of this.page.frames()) {
        const all = frame.locator(action.selector);
        const filtered = action.hasText === undefined ? all : all.filter({ hasText: new RegExp(action.hasText) });
        const target = action.nth === undefined ? filtered : filtered.nth(action.nth);
        if ((await target.count().catch(() => 0)) > 0) {
          if (action.fill !== undefined) {
            await target.first().fill(action.fill);
          }
          if (action.click) {
            await target.first().click();
          }
          if (action.rightClick) {
            await target.first().click({ button: 'right' });
          }
          if (action.press !== undefined) {
            await target.first().press(action.press);
          }
          return;
        }
      }
      if (Date.now() > deadline) {
        throw new Error(`UI probe: nothing matches ${action.selector}${action.hasText === undefined ? '' : ` with text /${action.hasText}/`} in any frame`);
      }
      await this.page.waitForTimeout(200);
    }
  }

  private async query(frame: Frame, selector: string): Promise<UiElement[]> {
    return frame.locator(selector).evaluateAll((elements) =>
        elements.map((element) => {
          const box = element.getBoundingClientRect();
          const style = window.getComputedStyle(element);
          return {
            text: (element as HTMLElement).innerText ?? element.textContent ?? '',
            ariaLabel: element.getAttribute('aria-label'),
            visible: box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none',
          };
        }),
    ).catch(() => []);
  }
}
