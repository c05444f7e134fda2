/** The value after `name` on the command line (`--cycles 100`), if given. */
export function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

/** Runs a bench's main; a failure exits 1 even while sockets or child processes would keep Node alive. */
export function runBench(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
