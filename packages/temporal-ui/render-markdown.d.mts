/** `{ html, headers }` for `GET /render?content=<markdown>&theme=<light|dark>`. */
export declare function renderMarkdownPage(
  markdown: string,
  theme: string,
): Promise<{ html: string; headers: Record<string, string> }>;
