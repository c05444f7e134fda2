/** ARM's error body: `{"error": {"code", "message", "target"?, "details"?}}` with the HTTP status ARM uses for that code. */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): { error: { code: string; message: string; target?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.target ? { target: this.target } : {}) } };
  }

  static resourceGroupNotFound(group: string): ArmError {
    return new ArmError(404, 'ResourceGroupNotFound', `Resource group '${group}' could not be found.`);
  }

  static resourceNotFound(type: string, name: string, group: string): ArmError {
    return new ArmError(404, 'ResourceNotFound', `The Resource '${type}/${name}' under resource group '${group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
  }

  static invalidParameter(message: string, target: string): ArmError {
    return new ArmError(400, 'InvalidParameter', message, target);
  }
}

/** A JSON scalar of a request body as text ('' when absent; objects as JSON, never "[object Object]"). */
export function textOf(value: unknown): string {
  if (value === undefined || value === null) {
    return '';
  }
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}
