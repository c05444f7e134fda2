/** An error the user can act on: what went wrong, and the next step to take. */
export class SpotboxError extends Error {
  constructor(
    message: string,
    readonly nextStep?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SpotboxError';
  }
}

/** The user backed out (closed a picker, cancelled a progress): not an error worth showing. */
export class UserCancelledError extends Error {
  constructor() {
    super('Cancelled by the user');
    this.name = 'UserCancelledError';
  }
}

export function isCancellation(error: unknown): boolean {
  if (error instanceof UserCancelledError) {
    return true;
  }
  // vscode.CancellationError and AbortController aborts carry these names; core cannot import vscode.
  const name = (error as { name?: unknown } | undefined)?.name;
  return name === 'Canceled' || name === 'CancellationError' || name === 'AbortError';
}

/** One line for a notification: the message, then the next step when there is one. */
export function userMessageOf(error: unknown): string {
  if (error instanceof SpotboxError) {
    // Messages often end with a wrapped error's own text, which rarely ends a sentence.
    return error.nextStep ? `${/[.!?…)]$/.test(error.message.trim()) ? error.message.trim() : `${error.message.trim()}.`} ${error.nextStep}` : error.message;
  }
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}
