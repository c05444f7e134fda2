import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CATALOG_FILES, type Catalogs } from './catalogTypes';
import { CatalogError, validateAdvisor, validateOnDemand, validateOtherCloud } from './catalogValidation';

/** Reads and validates the four price catalogs from a folder (the extension's resources/prices). */
export async function loadCatalogs(resourcesDir: string): Promise<Catalogs> {
  const [onDemand, advisor, gcp, azure] = await Promise.all([
    readJson(resourcesDir, CATALOG_FILES.onDemand),
    readJson(resourcesDir, CATALOG_FILES.advisor),
    readJson(resourcesDir, CATALOG_FILES.gcp),
    readJson(resourcesDir, CATALOG_FILES.azure),
  ]);
  return {
    onDemand: validateOnDemand(CATALOG_FILES.onDemand, onDemand),
    advisor: validateAdvisor(CATALOG_FILES.advisor, advisor),
    gcp: validateOtherCloud(CATALOG_FILES.gcp, gcp, 'gcp'),
    azure: validateOtherCloud(CATALOG_FILES.azure, azure, 'azure'),
  };
}

async function readJson(dir: string, name: string): Promise<unknown> {
  const file = path.join(dir, name);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CatalogError(name, '(file)', code === 'ENOENT' ? `is missing: expected it at ${file}` : `could not be read (${code ?? String(error)})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CatalogError(name, '(file)', `is not valid JSON: ${(error as Error).message}`);
  }
}

/** A catalog's as-of date ("2025-05-31") as epoch milliseconds, for PricePoint.asOf. */
export function catalogAsOfMs(asOf: string): number {
  return Date.parse(asOf.length === 7 ? `${asOf}-01` : asOf);
}
