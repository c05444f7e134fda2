import * as path from 'node:path';
import { openEditor } from './openEditor';

/** `npm start`: Spotbox from this checkout in a real VS Code, until Ctrl-C. */
async function main(): Promise<void> {
  const repoRoot = path.resolve(__dirname, '../../..');
  const session = await openEditor({
    repoRoot,
    workspacePath: path.join(repoRoot, 'test', 'fixtures', 'workspace'),
    environment: {},
    port: Number(process.env.SPOTBOX_PORT ?? 8080),
    log: (line) => console.log(line),
  });
  console.log(`Spotbox is running in ${session.description}. Press Ctrl-C to stop.`);
  const stop = (): void => {
    void session.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await session.closed;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
