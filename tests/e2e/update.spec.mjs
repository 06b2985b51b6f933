// A new build: the page offers to reload, and after the reload the old cache is gone and the
// records made under the old version are still there.
import { test, expect } from '@playwright/test';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { counterTown, waitForServiceWorker, chooseRoom, recordEntry, insideRow } from './helpers.mjs';

const TAKAHASHI = { name: '高橋 次郎', affiliation: '住民税務課' };

const PORT = 8091;

/** A server of its own, over a copy of dist/ that the test can turn into a "new build". */
async function startServer(dist, data) {
  const server = spawn(
    '../../target/debug/daicho-server',
    ['--port', String(PORT), '--data-dir', data, '--dist-dir', dist],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/api/health`)).ok) return server;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  server.kill();
  throw new Error('daicho-server did not start');
}

test('a new build is offered, and taking it removes the old cache', async ({ page }) => {
  const dist = mkdtempSync(join(tmpdir(), 'daicho-dist-'));
  const data = mkdtempSync(join(tmpdir(), 'daicho-data-'));
  cpSync('../../dist', dist, { recursive: true });
  const server = await startServer(dist, data);
  try {
    await counterTown(page, [TAKAHASHI], `http://localhost:${PORT}/#/entry-log`);
    await waitForServiceWorker(page);
    const [oldCache] = await page.evaluate(() => caches.keys());
    expect(oldCache).toMatch(/^daicho-shell-[0-9a-f]{16}$/);
    await chooseRoom(page, '住民窓口');
    await recordEntry(page, TAKAHASHI);

    // Deploy a new build: the worker script changes, as it does when any built file changes.
    const swPath = join(dist, 'sw.js');
    const sw = readFileSync(swPath, 'utf8');
    const newSw = sw.replace(/const BUILD = "[0-9a-f]+"/, 'const BUILD = "0e2e000000000001"');
    writeFileSync(swPath, newSw);
    // A build writes its precompressed copies too (tools/setup.sh precompress).
    writeFileSync(`${swPath}.br`, brotliCompressSync(newSw));
    writeFileSync(`${swPath}.gz`, gzipSync(newSw));
    await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r.update()));

    const banner = page.getByText('新しい版の台帳があります');
    await expect(banner).toBeVisible();
    // The new build is cached beside the old one, which keeps serving until the clerk accepts.
    expect((await page.evaluate(() => caches.keys())).sort()).toEqual(
      ['daicho-shell-0e2e000000000001', oldCache].sort(),
    );

    await Promise.all([
      page.waitForEvent('framenavigated'),
      page.getByRole('button', { name: '再読み込みして更新' }).click(),
    ]);
    await expect(page.locator('[data-ready="true"]')).toBeVisible();
    await expect
      .poll(() => page.evaluate(() => caches.keys()))
      .toEqual(['daicho-shell-0e2e000000000001']);
    await expect(banner).toHaveCount(0);
    await chooseRoom(page, '住民窓口');
    await expect(insideRow(page, '高橋 次郎')).toBeVisible();
  } finally {
    server.kill();
    rmSync(dist, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  }
});
