// docker-compose.yml is the production-shaped stack. No Docker engine runs here, but Debian's
// docker-compose validates the file offline; CI installs it (.ci/run).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TACT_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { nth } from '../../domain/present';

const root = path.resolve(__dirname, '../..');

/**
 * Runs docker-compose on the repository's file in a scratch project directory holding `dotEnv` as its .env (the
 * file the stack reads its settings from), so the test never depends on, or writes, a developer's own .env.
 */
function compose(args: string[], dotEnv = 'TACT_DB_PASSWORD=test-password\n'): string {
  const project = mkdtempSync(path.join(os.tmpdir(), 'tact-compose-'));
  writeFileSync(path.join(project, '.env'), dotEnv);
  try {
    return execFileSync(
      'docker-compose',
      ['-f', path.join(root, 'docker-compose.yml'), '--project-directory', project, ...args],
      {
        cwd: project,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(
        'docker-compose is not installed: `apt-get install docker-compose` (Debian) validates the file offline',
        { cause: err },
      );
    }
    throw new Error(`docker-compose rejected docker-compose.yml:\n${e.stderr ?? e.message}`, { cause: err });
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}

/** Every `TACT_*`, `TEMPORAL_*` and process variable the product's code reads. */
function variablesReadByTheCode(): Set<string> {
  const names = new Set<string>();
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const file = path.join(dir, entry);
      if (statSync(file).isDirectory()) visit(file);
      else if (file.endsWith('.ts') && !file.endsWith('.test.ts')) {
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(/\b(TACT_[A-Z0-9_]+|TEMPORAL_(?:ADDRESS|NAMESPACE)|DATABASE_URL|LOG_LEVEL)\b/g))
          names.add(nth(m, 1));
        for (const m of text.matchAll(/\benv\.(HOST|PORT)\b/g)) names.add(nth(m, 1));
      }
    }
  };
  for (const dir of ['activities', 'api', 'db', 'domain', 'workers', 'workflows']) visit(path.join(root, dir));
  // Constants that merely share the prefix.
  for (const constant of ['TACT_SEARCH_ATTRIBUTES', 'TACT_SEARCH_ATTRIBUTE_KEYS']) names.delete(constant);
  return names;
}

describe('docker-compose.yml', () => {
  it('is valid', () => {
    compose(['config', '-q']);
  });

  it('describes the whole production-shaped stack', () => {
    const services = compose(['config', '--services']).trim().split('\n').sort();
    expect(services).toEqual(
      ['postgres', 'tact-api', 'tact-worker', 'temporal', 'temporal-schema', 'temporal-setup', 'temporal-ui'].sort(),
    );
  });

  it('passes a variable set in .env to both Tact services', () => {
    const rendered = compose(
      ['config'],
      'TACT_DB_PASSWORD=test-password\nTACT_SMTP_HOST=smtp.example.org\nTACT_PUBLIC_URL=https://tact.example.org\n',
    );
    for (const service of ['tact-api', 'tact-worker']) {
      const block = serviceBlock(rendered, service);
      expect(block, service).toMatch(/TACT_SMTP_HOST: smtp\.example\.org/);
      expect(block, service).toMatch(/TACT_PUBLIC_URL: https:\/\/tact\.example\.org/);
      expect(block, service).toMatch(/\/run\/secrets\/tact:ro/);
    }
  });

  it('refuses to render without a database password', () => {
    expect(() => compose(['config', '-q'], '')).toThrow(/TACT_DB_PASSWORD/);
  });

  it('runs each Tact service as plain node on the built entry point, under an init process', () => {
    const rendered = compose(['config']);
    expect(serviceBlock(rendered, 'tact-api')).toMatch(/- dist\/api\/main\.js/);
    expect(serviceBlock(rendered, 'tact-worker')).toMatch(/- dist\/workers\/main\.js/);
    for (const service of ['tact-api', 'tact-worker']) expect(serviceBlock(rendered, service)).toMatch(/init: true/);
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/RUN npm run build/);
    expect(dockerfile).toMatch(/ENTRYPOINT \["\/usr\/bin\/tini", "--"\]/);
    expect(dockerfile).toMatch(/CMD \["node", "dist\/api\/main\.js"\]/);
    expect(dockerfile).not.toMatch(/(CMD|ENTRYPOINT|RUN) .*(tsx|npm start)/);
  });

  it('publishes ports on 127.0.0.1 only, and checks the health of both Tact services', () => {
    const rendered = compose(['config']);
    const ports = [...rendered.matchAll(/^ {4}- (\S+:\d+:\d+\/tcp)$/gm)].map((m) => nth(m, 1));
    expect(ports).toHaveLength(4); // API, worker metrics, Temporal gRPC, Temporal UI
    expect(ports.filter((p) => !p.startsWith('127.0.0.1:'))).toEqual([]);
    for (const service of ['tact-api', 'tact-worker']) expect(serviceBlock(rendered, service)).toMatch(/healthcheck:/);
  });

  it('sets up Temporal on its supported images, failing loudly', () => {
    const file = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    expect(file).not.toMatch(/auto-setup/);
    expect(file).not.toMatch(/\|\| true/);
    expect(file).toMatch(/image: temporalio\/server:/);
    expect(file).toMatch(/temporal-sql-tool/);
  });

  it('lists every variable the code reads in .env.example', () => {
    const example = readFileSync(path.join(root, '.env.example'), 'utf8');
    const listed = new Set([...example.matchAll(/^(?:# )?([A-Z][A-Z0-9_]*)=/gm)].map((m) => nth(m, 1)));
    const missing = [...variablesReadByTheCode()].filter((name) => !listed.has(name)).sort();
    expect(missing).toEqual([]);
  });

  it("wires the Temporal UI to the API's codec server, and the API lets the UI's origin in", () => {
    const rendered = compose(['config']);
    expect(rendered).toMatch(/TEMPORAL_CODEC_ENDPOINT: http:\/\/localhost:3000\/codec/);
    expect(rendered).toMatch(/TACT_CODEC_CORS_ORIGINS: http:\/\/localhost:8080/);
    expect(rendered).toMatch(/TACT_CODEC_REQUIRED: 'true'|TACT_CODEC_REQUIRED: "true"|TACT_CODEC_REQUIRED: true/);
  });

  it("registers exactly the user workflow's search attributes", () => {
    const file = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    const registered = Object.fromEntries([...file.matchAll(/(Tact\w+)=(\w+)/g)].map((m) => [m[1], m[2]]));
    expect(registered).toEqual(TACT_SEARCH_ATTRIBUTES);
  });
});

/** The lines of one service in `docker-compose config` output (two-space indented service names). */
function serviceBlock(rendered: string, service: string): string {
  const start = rendered.indexOf(`\n  ${service}:\n`);
  if (start < 0) throw new Error(`no service ${service} in:\n${rendered}`);
  const rest = rendered.slice(start + 1);
  const end = rest.slice(1).search(/\n {2}[a-z][\w-]*:\n|\n[a-z]/);
  return end < 0 ? rest : rest.slice(0, end + 1);
}
