// The page Temporal's UI shows Markdown in (workflow current details, summaries): its /render route, which a static
// build cannot serve, so the dev server's UI port calls this. The Markdown goes through @temporalio/ui's own
// sanitizing pipeline (no images, raw HTML or scripts; links open outside); the page gets a CSP that allows only
// its own inline style, as Temporal's UI server sends.
import { randomBytes } from 'node:crypto';
import { toHtml } from 'hast-util-to-html';
import { process } from '@temporalio/ui/utilities/render-markdown';

const STYLE = `
* { margin: 0; padding: 0; border: 0; font-size: 100%; vertical-align: baseline; }
body { position: relative; padding: 1rem; white-space: pre-line; font-family: sans-serif; overscroll-behavior: none; }
body[data-theme='dark'] { color: #f8fafc; }
h1 { font-size: 2em; } h2 { font-size: 1.5em; } h3 { font-size: 1.17em; }
p, ul, ol, pre, blockquote { margin: 0.5em 0; } ul, ol { padding-left: 1.5em; white-space: normal; }
code { font-family: monospace; } a { color: #444ce7; }
`;

const escape = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `{ html, headers }` for `GET /render?content=<markdown>&theme=<light|dark>`. */
export async function renderMarkdownPage(markdown, theme) {
  const nonce = randomBytes(16).toString('hex');
  const body = toHtml(await process(markdown));
  const html =
    `<!doctype html><html><head><title>Rendered Markdown</title><base target="_blank"><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><style nonce="${nonce}">${STYLE}</style>` +
    `</head><body class="prose"${theme ? ` data-theme="${escape(theme)}"` : ''}><main>${body}</main></body></html>`;
  return {
    html,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy':
        `base-uri 'self'; default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; ` +
        "frame-ancestors 'self'; form-action 'none'; sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox;",
    },
  };
}
