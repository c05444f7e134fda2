import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import type { UiElement, UiProbeRequest, UiProbeResponse } from './resultsProtocol';

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
      const response = await this.answer(request);
      fs.writeFileSync(`${base}.response.tmp`, JSON.stringify(response));
      fs.renameSync(`${base}.response.tmp`, `${base}.response.json`);
    }
  }

  private async answer(request: UiProbeRequest): Promise<UiProbeResponse> {
    // Let the workbench finish the layout the test just caused before looking at it.
    await this.page.waitForTimeout(300);
    const found: Record<string, UiElement[]> = {};
    for (const [key, selector] of Object.entries(request.queries)) {
      found[key] = await this.page.locator(selector).evaluateAll((elements) =>
        elements.map((element) => {
          const box = element.getBoundingClientRect();
          const style = window.getComputedStyle(element);
          return {
            text: (element as HTMLElement).innerText ?? element.textContent ?? '',
            ariaLabel: element.getAttribute('aria-label'),
            visible: box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none',
          };
        }),
      );
    }
    const screenshot = path.join(this.screenshotDir, `${request.name.replace(/[^\w.-]/g, '_')}.png`);
    await this.page.screenshot({ path: screenshot });
    this.log(`  [ui] ${request.name}: screenshot ${path.relative(process.cwd(), screenshot)}`);
    return { screenshot, found };
  }
}
