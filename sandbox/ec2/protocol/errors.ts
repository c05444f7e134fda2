/**
 * EC2 error codes with the HTTP status real EC2 uses. The SDK keys its retry decision on the
 * code (throttling codes) and on 5xx, so the status matters for RequestLimitExceeded and
 * InternalError; everything a caller caused is a 4xx and is not retried.
 */
const STATUS: Record<string, number> = {
  AuthFailure: 401,
  UnauthorizedOperation: 403,
  RequestLimitExceeded: 503,
  Unavailable: 503,
  InternalError: 500,
  DryRunOperation: 412,
};

export class Ec2Error extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }

  get status(): number {
    return STATUS[this.code] ?? 400;
  }

  static invalidValue(name: string, value: string, why = ''): Ec2Error {
    return new Ec2Error('InvalidParameterValue', `Value (${value}) for parameter ${name} is invalid.${why ? ' ' + why : ''}`);
  }

  static missing(name: string): Ec2Error {
    return new Ec2Error('MissingParameter', `The request must contain the parameter ${name}`);
  }
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function errorXml(code: string, message: string, requestId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>' +
    `<Code>${escapeText(code)}</Code><Message>${escapeText(message)}</Message>` +
    `</Error></Errors><RequestID>${escapeText(requestId)}</RequestID></Response>`
  );
}
