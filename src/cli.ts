import { parseArgs } from 'node:util';
import { AzureRetailPrices, azureRetailPricesUrl, retailPoolPricer } from './core/azure/azureRetailPrices';
import { createPricingContext } from './core/calculator/pricingContext';
import { systemClock } from './core/time/clock';
import { findCatalogDir } from './cli/catalogDir';
import { CliUsageError } from './cli/cliErrors';
import { runEstimate } from './cli/estimateCommand';
import { runPrices } from './cli/pricesCommand';

const USAGE = `Usage:
  spotbox estimate --instance-type TYPE --hours H [--region R] [--spot-price X] [--on-demand-price Y]
                   [--interruptions-per-hour L] [--checkpoint-minutes C] [--restart-minutes R]
                   [--no-notice-checkpoint] [--json]
  spotbox prices --gpu "8x H100" [--regions us-east-1,us-west-2] [--limit N] [--json]
Common: [--profile NAME] (AWS profile for live spot prices) [--offline] (catalog prices only)`;

const COMMON = { profile: { type: 'string' }, offline: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;
const ESTIMATE_OPTIONS = {
  ...COMMON,
  'instance-type': { type: 'string' },
  region: { type: 'string' },
  hours: { type: 'string' },
  'spot-price': { type: 'string' },
  'on-demand-price': { type: 'string' },
  'interruptions-per-hour': { type: 'string' },
  'checkpoint-minutes': { type: 'string' },
  'restart-minutes': { type: 'string' },
  'no-notice-checkpoint': { type: 'boolean' },
} as const;
const PRICES_OPTIONS = { ...COMMON, gpu: { type: 'string' }, regions: { type: 'string' }, limit: { type: 'string' } } as const;

/** The `spotbox` command line, over the same core as the extension. Exit 2 for bad input. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  try {
    if (command !== 'estimate' && command !== 'prices') {
      throw new CliUsageError(`unknown command "${command}"; use "estimate" or "prices"`);
    }
    const now = (): number => systemClock.now();
    const pricingFor = (values: { profile?: string; offline?: boolean }) =>
      createPricingContext({
        catalogDir: findCatalogDir(__dirname),
        awsProfile: values.profile,
        livePrices: values.offline !== true,
        clock: systemClock,
        // Azure's retail prices need no sign-in; Google's need a gcloud configuration, which the CLI does not choose.
        azureLivePrices: async () => retailPoolPricer(new AzureRetailPrices({ baseUrl: azureRetailPricesUrl(process.env) })),
      });
    if (command === 'estimate') {
      const { values } = parseArgs({ args: rest, options: ESTIMATE_OPTIONS, strict: true, allowPositionals: false });
      console.log(values.help ? USAGE : await runEstimate(values, await pricingFor(values), now));
    } else {
      const { values } = parseArgs({ args: rest, options: PRICES_OPTIONS, strict: true, allowPositionals: false });
      console.log(values.help ? USAGE : await runPrices(values, await pricingFor(values), now));
    }
    return 0;
  } catch (error) {
    if (error instanceof CliUsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      // One line: Node's parse errors carry a second line of advice.
      console.error(`spotbox: ${error.message.split('\n')[0]}`);
      return 2;
    }
    console.error(`spotbox: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
