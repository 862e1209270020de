// docker-compose.yml is the production-shaped stack. No Docker engine runs here, but Debian's
// docker-compose validates the file offline; CI installs it (.ci/run).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TACT_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';

const root = path.resolve(__dirname, '../..');

function compose(...args: string[]): string {
  try {
    return execFileSync('docker-compose', ['-f', path.join(root, 'docker-compose.yml'), ...args], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(
        'docker-compose is not installed: `apt-get install docker-compose` (Debian) validates the file offline',
        { cause: err },
      );
    }
    throw new Error(`docker-compose rejected docker-compose.yml:\n${e.stderr ?? e.message}`, { cause: err });
  }
}

describe('docker-compose.yml', () => {
  it('is valid', () => {
    compose('config', '-q');
  });

  it('describes the whole production-shaped stack', () => {
    const services = compose('config', '--services').trim().split('\n').sort();
    expect(services).toEqual(
      ['postgres', 'tact-api', 'tact-worker', 'temporal', 'temporal-setup', 'temporal-ui'].sort(),
    );
  });

  it('runs the API and the worker with the same entry point as `npm start`, one role each', () => {
    const rendered = compose('config');
    expect(rendered).toMatch(/TACT_ROLE: api/);
    expect(rendered).toMatch(/TACT_ROLE: worker/);
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/CMD \["npm", "start"\]/);
  });

  it("wires the Temporal UI to the API's codec server, and the API lets the UI's origin in", () => {
    const rendered = compose('config');
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
