// Starts the real obauth binary for the Node tests (tests/contract, tests/clients) and stops it
// again: a temporary directory with a SQLite database, `obauth partner create` for credentials,
// `obauth serve --listen 127.0.0.1:0`, and the "listening on http://..." line for the address.
// It knows only the command line. Every child process started through here is killed when the
// test process exits, however it exits (a failed assertion, an exception, SIGINT or SIGTERM).

import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const children = new Set();

function killAll() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAll();
    process.exit(1);
  });
}

// Spawns a child that is killed when this process exits. Returns the ChildProcess.
export function spawnTracked(command, args, options) {
  const child = spawn(command, args, options);
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

// Sends SIGTERM and waits up to timeoutMs for the exit; then SIGKILL. Returns the exit code
// (null when the child had to be killed).
export async function stopChild(child, timeoutMs = 20000) {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  const result = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (result === 'late') {
    child.kill('SIGKILL');
    await exited;
    return null;
  }
  return result;
}

function run(binary, args) {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: 30000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${binary} ${args[0]} ${args[1]} failed: ${stderr}`));
      else resolve(stdout);
    });
  });
}

// A running obauth on a fresh SQLite database. start() resolves once the server listens.
export class ObauthServer {
  constructor(binary) {
    this.binary = binary;
    this.dir = mkdtempSync(join(tmpdir(), 'obauth-node-'));
    this.db = join(this.dir, 'obauth.db');
    this.logPath = join(this.dir, 'server.log');
  }

  // Creates a partner with the CLI (works while the server runs). Returns
  // {client_id, client_secret}.
  async createPartner(name) {
    return JSON.parse(await run(this.binary, ['partner', 'create', '--create', '--db', this.db, '--name', name]));
  }

  // Runs another command on this server's database (works while the server runs), e.g.
  // command('registrations', 'approve', CLIENT_ID, PROVIDER_ID). Returns its stdout.
  async command(group, action, ...args) {
    return run(this.binary, [group, action, '--db', this.db, ...args]);
  }

  // `extraArgs` go to `obauth serve` after the address and the database (e.g. limits).
  async start(extraArgs = [], timeoutMs = 30000) {
    const log = openSync(this.logPath, 'a');
    const args = ['serve', '--listen', '127.0.0.1:0', '--db', this.db, ...extraArgs];
    this.child = spawnTracked(this.binary, args, { stdio: ['ignore', 'pipe', log] });
    const lines = createInterface({ input: this.child.stdout });
    const first = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('obauth did not listen in time')), timeoutMs);
      lines.once('line', (line) => {
        clearTimeout(timer);
        resolve(line.trim());
      });
      this.child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`obauth exited ${code} before listening:\n${this.logTail()}`));
      });
    });
    if (!first.startsWith('listening on http://')) throw new Error(`unexpected first line: ${first}`);
    this.base = first.slice('listening on '.length);
    // Keep draining stdout so the server never blocks on a full pipe.
    lines.on('line', () => {});
    return this.base;
  }

  logTail(lines = 40) {
    try {
      return readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no server log)';
    }
  }

  // SIGTERM, then waits for a clean exit. Returns the exit code (0 expected); removes the
  // temporary directory unless keepDir.
  async stop({ keepDir = false } = {}) {
    const code = this.child ? await stopChild(this.child) : 0;
    if (!keepDir) rmSync(this.dir, { recursive: true, force: true });
    return code;
  }
}
