import { ArmApiError } from './armError';

/** An ARM error as one line a user can act on: ARM's code and message; other errors' messages. */
export function armErrorMessage(error: unknown): string {
  if (error instanceof ArmApiError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
