// The server under test for the browser tests: a fresh data folder and TOML file, port 0, and
// the apps given; resolves once it prints where it listens. SWITCHBOARD_* variables of the
// caller's environment are dropped so that they cannot change what a test configured.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SERVER_BIN = path.resolve(process.env.SWITCHBOARD_BIN || path.join(REPO, 'build-ci', 'switchboard'));

/** @param {{ prefix: string, config: string[], app: { id: string, key: string, secret: string } }} opts */
export async function startServer({ prefix, config, app }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const configFile = path.join(dir, 'switchboard.toml');
  fs.writeFileSync(configFile, [...config, ''].join('\n'));
  const dataDir = path.join(dir, 'data');
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SWITCHBOARD_')));
  const proc = spawn(
    SERVER_BIN,
    ['serve', '--host', '127.0.0.1', '--port', '0', '--threads', '2', '--data-dir', dataDir, '--config', configFile, '--app', `${app.id}:${app.key}:${app.secret}`],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir, env },
  );
  let logs = '';
  proc.stderr.on('data', (c) => (logs += c));
  const port = await new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (c) => {
      out += c;
      logs += c;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    proc.on('exit', (code) => reject(new Error(`server exited (${code}):\n${logs}`)));
    setTimeout(() => reject(new Error(`server did not start:\n${logs}`)), 20_000);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    logs: () => logs,
    exited: () => (proc.exitCode !== null || proc.signalCode !== null ? `code ${proc.exitCode} signal ${proc.signalCode}` : null),
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.once('exit', r));
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
