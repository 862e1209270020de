// What Temporal's UI server does for the Web UI, on one HTTP port: `/api/v1/settings` (its own configuration: no
// auth, the codec endpoint), every other `/api/v1/` path through the HTTP API gateway with payloads in long form (the
// UI decodes them itself, through the codec endpoint when one is set), and the UI's static files with the SPA's
// index page for any other path. The files are a build of Temporal's UI (`@tact/temporal-ui`); nothing is fetched.
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';
import type { Gateway } from './gateway';

export interface UiOptions {
  /** The built UI (a directory with index.html), or undefined when it is not built. */
  assetPath: string | undefined;
  /** Where the UI sends payloads to decode (Temporal's `--ui-codec-endpoint`); read on every settings request. */
  codecEndpoint?: string | (() => string | undefined) | undefined;
  /** The UI sends its cookies to the codec endpoint (a codec server that signs users in with a cookie). */
  codecIncludeCredentials?: boolean | undefined;
  /** The namespace the UI opens first. */
  defaultNamespace: string;
  /** Renders Markdown (current details, summaries) as the page Temporal's UI frames from `/render`. */
  renderMarkdown?: RenderMarkdown | undefined;
}

export type RenderMarkdown = (
  markdown: string,
  theme: string,
) => Promise<{ html: string; headers: Record<string, string> }>;

/** The @temporalio/ui version the UI is built from: the UI picks its URL encoding by this. */
export const UI_VERSION = '2.38.0';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** The UI server's `/api/v1/settings` answer (its Go struct's field names). */
export function uiSettings(opts: UiOptions): object {
  return {
    Auth: { Enabled: false, Options: null },
    BannerText: '',
    DefaultNamespace: opts.defaultNamespace,
    ShowTemporalSystemNamespace: false,
    FeedbackURL: '',
    NotifyOnNewVersion: false,
    Codec: {
      Endpoint: (typeof opts.codecEndpoint === 'function' ? opts.codecEndpoint() : opts.codecEndpoint) ?? '',
      PassAccessToken: false,
      IncludeCredentials: opts.codecIncludeCredentials ?? false,
      DefaultErrorMessage: '',
      DefaultErrorLink: '',
    },
    Version: UI_VERSION,
    DisableWriteActions: false,
    WorkflowTerminateDisabled: false,
    WorkflowCancelDisabled: false,
    WorkflowSignalDisabled: false,
    WorkflowUpdateDisabled: false,
    WorkflowResetDisabled: false,
    BatchActionsDisabled: false,
    StartWorkflowDisabled: false,
    HideWorkflowQueryErrors: false,
    RefreshWorkflowCountsDisabled: false,
  };
}

/** Whether `assetPath` holds a built UI. */
export function isUiBuilt(assetPath: string | undefined): boolean {
  return assetPath !== undefined && existsSync(path.join(assetPath, 'index.html'));
}

export function createUiHandler(
  gateway: Gateway,
  opts: UiOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const root = opts.assetPath ? path.resolve(opts.assetPath) : undefined;
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/api/v1/settings') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(uiSettings(opts)));
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      if (!(await gateway.handle(req, res))) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 5, message: 'Not Found' }));
      }
      return;
    }
    if (url.pathname === '/render' && opts.renderMarkdown) {
      const page = await opts.renderMarkdown(
        url.searchParams.get('content') ?? '',
        url.searchParams.get('theme') ?? '',
      );
      res.writeHead(200, page.headers);
      res.end(page.html);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' });
      res.end();
      return;
    }
    if (!root || !isUiBuilt(root)) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(
        "Temporal's Web UI is not built on this machine. Build it with `npm run build:ui` (from the repository " +
          'root; about a minute, nothing downloaded); the HTTP API under /api/v1/ works without it.\n',
      );
      return;
    }
    sendStatic(root, url.pathname, req, res);
  };
}

function sendStatic(root: string, pathname: string, req: IncomingMessage, res: ServerResponse): void {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    decoded = '/';
  }
  let file = path.join(root, path.normalize(decoded));
  if (!file.startsWith(root + path.sep) || !isFile(file)) {
    // A client-side route of the single-page app.
    file = path.join(root, 'index.html');
  }
  const ext = path.extname(file);
  const immutable = file.includes(`${path.sep}_app${path.sep}immutable${path.sep}`);
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
