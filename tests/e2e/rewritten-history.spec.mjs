// A server whose history was rewritten after a tablet saw it: the tablet keeps the last
// checkpoint of the log it opened, and at its next sync the server cannot prove the new one
// extends it (RFC 6962 consistency proof). The sync stops with the error in words; the kept
// checkpoint stays as it was.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PORT } from './playwright.config.mjs';
import { TestServer } from './server.mjs';
import { YAMADA, addPerson, enroll, openApp, tab } from './helpers.mjs';

test.use({ serviceWorkers: 'block' });

/** The sync state the tablet keeps in IndexedDB. */
const syncState = (page) =>
  page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('daicho');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const get = open.result.transaction('device').objectStore('device').get('sync');
          get.onsuccess = () => {
            open.result.close();
            resolve(get.result);
          };
        };
      }),
  );

test('a rewritten server history fails the consistency proof; the tablet stops and keeps its checkpoint', async ({ page }) => {
  test.setTimeout(90_000);
  const server = await new TestServer(PORT + 16).start();
  try {
    await openApp(page, `${server.base}/#/sync`);
    await enroll(page, server.enrollmentCode());
    const seen = (await syncState(page)).checkpoint;
    expect(seen.size).toBe(await server.eventCount());
    const device = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const open = indexedDB.open('daicho');
          open.onsuccess = () => {
            const get = open.result.transaction('device').objectStore('device').get('self');
            get.onsuccess = () => resolve(get.result.id);
          };
        }),
    );

    // Offline, the server's operator rewrites the tablet's second record and rebuilds the
    // log's tree over it (the retention triggers dropped first): the same key signs the lie.
    await server.kill();
    const sql = [
      'DROP TRIGGER events_no_update;',
      'DROP TRIGGER log_tree_no_delete;',
      'DROP TRIGGER log_checkpoints_no_delete;',
      `UPDATE events SET hash = '${'f'.repeat(64)}' WHERE device = '${device}' AND seq = 2;`,
      'DELETE FROM log_tree;',
      'DELETE FROM log_checkpoints;',
    ].join('\n');
    execFileSync('sqlite3', [join(server.dataDir, 'daicho.sqlite3')], { input: sql });
    await server.start();

    // The tablet records something and syncs: the push is stored, the new checkpoint refused.
    await addPerson(page, YAMADA);
    await tab(page, '端末と同期');
    await page.click('#sync-now');
    const error = page.locator('.sync-page > .card .form-error');
    await expect(error).toContainText('記録が書き換えられた可能性があります', { timeout: 20_000 });
    await expect(error).toContainText(`前回確認した内容（${seen.size}件）`);
    const after = await syncState(page);
    expect(after.checkpoint).toEqual(seen);
    expect(after.last_error).toContain('書き換えられた');
  } finally {
    await server.stop();
  }
});
