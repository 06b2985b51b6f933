// A daicho-server of a test's own, on its own port and data directory, that the test can
// kill and start again (the suite's shared server stays untouched).
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverFigures } from './figures.mjs';

const BIN = '../../target/debug/daicho-server';

async function waitUntil(check, what, ms = 15_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function healthy(base) {
  try {
    return (await fetch(`${base}/api/health`)).ok;
  } catch {
    return false;
  }
}

export class TestServer {
  constructor(port) {
    this.port = port;
    this.base = `http://localhost:${port}`;
    this.dataDir = mkdtempSync(join(tmpdir(), 'daicho-e2e-'));
    this.child = null;
  }

  async start() {
    // A server left over on the port would answer instead, with other data: refuse.
    if (!this.child && (await healthy(this.base))) throw new Error(`port ${this.port} is in use`);
    const args = ['--port', String(this.port), '--data-dir', this.dataDir, '--dist-dir', '../../dist'];
    this.child = spawn(BIN, args, { stdio: 'ignore' });
    await waitUntil(() => healthy(this.base), `the server on ${this.port}`);
    return this;
  }

  /** Kills the server at once (SIGKILL: no graceful shutdown, as a power cut would). */
  async kill() {
    const child = this.child;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    this.child = null;
  }

  /** A one-time enrollment code, as the system administrator makes it. */
  enrollmentCode() {
    return execFileSync(BIN, ['--data-dir', this.dataDir, 'enroll-token'], { encoding: 'utf8' }).trim();
  }

  /** How many events the server holds (its health answer, signed, counts the log). */
  async eventCount() {
    return (await serverFigures(this.base, this.dataDir)).events;
  }

  /** How many security exceptions the server raised. */
  async securityExceptions() {
    return (await serverFigures(this.base, this.dataDir)).security_exceptions;
  }

  async stop() {
    if (this.child) await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
