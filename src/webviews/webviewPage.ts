import { randomBytes } from 'node:crypto';

/** Where a page's files are, as the webview may load them. */
export interface WebviewResources {
  readonly cspSource: string;
  readonly scriptUri: string;
  /** Linked in this order: a later sheet wins a tie. */
  readonly styleUris: readonly string[];
}

export interface WebviewPageOptions extends WebviewResources {
  readonly title: string;
  /** The page's body markup, without the script tag. */
  readonly body: string;
}

/**
 * A Spotbox webview page: strict CSP (one nonce'd script, styles from the extension only, no inline
 * handlers), the page's stylesheets, then its body and script. Every webview goes through here so
 * none can loosen the policy by accident.
 */
export function webviewPage({ cspSource, scriptUri, styleUris, title, body }: WebviewPageOptions): string {
  const nonce = randomBytes(16).toString('base64');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${cspSource} data:; style-src ${cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${styleUris.map((uri) => `<link rel="stylesheet" href="${uri}">`).join('\n')}
<title>${title}</title>
</head>
<body>
${body}
<script nonce="${nonce}" src="${scriptUri}"></script>
</body>
</html>`;
}
