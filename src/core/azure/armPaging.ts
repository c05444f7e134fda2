import type { ArmHttp } from './armHttp';
import type { ArmList } from './armTypes';

/** Every item of an ARM list, following `nextLink` (bounded: a runaway paging never hangs a command). */
export async function listAll<T>(http: ArmHttp, first: { path: string; apiVersion: string; query?: Record<string, string | undefined> }, signal?: AbortSignal, maxPages = 100): Promise<T[]> {
  const items: T[] = [];
  let page = (await http.call<ArmList<T>>({ method: 'GET', ...first, ...(signal ? { signal } : {}) })).body;
  for (let pages = 1; ; pages++) {
    items.push(...(page?.value ?? []));
    if (!page?.nextLink || pages >= maxPages) return items;
    page = (await http.call<ArmList<T>>({ method: 'GET', path: page.nextLink, ...(signal ? { signal } : {}) })).body;
  }
}
