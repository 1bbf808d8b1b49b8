// The preview's HTML and Content Security Policy. No `vscode` import: tested in Node.

/** A fresh nonce for the one script tag. */
export function makeNonce(random: () => number = Math.random): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < 32; i++) out += chars.charAt(Math.floor(random() * chars.length));
  return out;
}

/**
 * Everything is denied unless named: the stylesheet from the extension's media, the script by nonce,
 * the engine worker from a blob: URL (its bundle is inlined in the script), WebAssembly compilation
 * (which the worker inherits), and canvas/blob images. No remote content at all.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `script-src 'nonce-${nonce}' 'wasm-unsafe-eval'`,
    'worker-src blob:',
    'img-src blob: data:',
  ].join('; ');
}

/** Text safe inside an HTML attribute or element. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function previewHtml(options: { cspSource: string; nonce: string; scriptUri: string; styleUri: string }): string {
  const { cspSource, nonce, scriptUri, styleUri } = options;
  // No user data goes into this page: the model arrives later by postMessage.
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(styleUri)}">
<title>Conv Lens Preview</title>
</head>
<body>
<div id="conv-lens-root"><div class="empty">Open a PyTorch or TensorFlow.js model file to see its layers and feature maps.</div></div>
<script nonce="${escapeHtml(nonce)}" src="${escapeHtml(scriptUri)}"></script>
</body>
</html>
`;
}
