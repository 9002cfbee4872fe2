/** The command-line entry as the demo runs it: one line when listening, a clean exit on SIGTERM. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAIN = join(__dirname, 'main.ts');
const ROOT = join(__dirname, '..', '..');

function start(env: Record<string, string>): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', MAIN], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
}

function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0] as string);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${err}`)));
  });
}

function exitCode(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

describe('main.ts', () => {
  jest.setTimeout(30_000);

  it('logs one line when listening, serves the API, and exits 0 on SIGTERM', async () => {
    const certificateFile = join(mkdtempSync(join(tmpdir(), 'sf-sandbox-')), 'pubsub.pem');
    const child = start({
      SF_SANDBOX_PORT: '0',
      SF_SANDBOX_PUBSUB_PORT: '0',
      SF_SANDBOX_PUBSUB_CERT_FILE: certificateFile,
      SF_SANDBOX_CLIENT_ID: 'cli-id',
      SF_SANDBOX_CLIENT_SECRET: 'cli-secret',
    });
    const exited = exitCode(child);
    try {
      const line = await firstLine(child);
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
      expect(url).toBeDefined();
      expect(line).not.toContain('cli-secret');
      const token = await fetch(`${url}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=cli-id&client_secret=cli-secret',
      });
      expect(token.status).toBe(200);
      expect(line).toMatch(/Pub\/Sub API on 127\.0\.0\.1:\d+ \(TLS, certificate at /);
      const pem = await (await fetch(`${url}/__admin/pubsub/certificate`)).text();
      expect(readFileSync(certificateFile, 'utf8')).toBe(pem);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('keeps every acknowledged write through a SIGKILL when given a data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sf-sandbox-data-'));
    const env = { SF_SANDBOX_PORT: '0', SF_SANDBOX_PUBSUB_PORT: '0', SF_SANDBOX_DATA_DIR: dataDir };
    const api = async (url: string, token: string, path: string, init: RequestInit = {}) => {
      const res = await fetch(`${url}/services/data/v62.0${path}`, {
        ...init,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const login = async (child: ChildProcessWithoutNullStreams) => {
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(await firstLine(child))?.[1] as string;
      const res = await fetch(`${url}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=hub-client&client_secret=hub-secret',
      });
      return { url, token: ((await res.json()) as { access_token: string }).access_token };
    };

    const first = start(env);
    const killed = exitCode(first);
    const ids: string[] = [];
    try {
      const { url, token } = await login(first);
      for (let i = 0; i < 20; i++) {
        const created = await api(url, token, '/sobjects/Account', {
          method: 'POST',
          body: JSON.stringify({ Name: `Survivor ${i}`, Odoo_Id__c: `kill-${i}` }),
        });
        expect(created.status).toBe(201);
        ids.push(created.body['id'] as string);
      }
    } finally {
      // No SIGTERM: the process gets no chance to flush or close anything.
      first.kill('SIGKILL');
    }
    await killed;

    const second = start(env);
    const exited = exitCode(second);
    try {
      const { url, token } = await login(second);
      const soql = encodeURIComponent("SELECT Id, Name FROM Account WHERE Odoo_Id__c LIKE 'kill-%' ORDER BY Name");
      const found = await api(url, token, `/query?q=${soql}`);
      expect(found.status).toBe(200);
      const rows = found.body['records'] as { Id: string }[];
      expect(rows.map((r) => r.Id).sort()).toEqual([...ids].sort());
    } finally {
      second.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('refuses a bad configuration with exit code 1, naming the key', async () => {
    const child = start({ SF_SANDBOX_PORT: 'not-a-port', SF_SANDBOX_PUBSUB_PORT: '0' });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    expect(await exitCode(child)).toBe(1);
    expect(stderr).toContain('SF_SANDBOX_PORT');
  });
});
