// The tablet's storage: a write the browser refuses for its quota is an error on screen and
// nothing stored; 端末と同期 shows whether the storage is kept for good, what is used and
// left; the pages warn while records wait unsent on a storage the browser may evict.
import { test, expect } from '@playwright/test';
import {
  SATO, YAMADA, counterTown, chooseRoom, fillEntry, insideRow, logRows, eventCount, tab,
} from './helpers.mjs';

/**
 * A storage that is full, as the browser behaves then: every request of a write succeeds, and
 * the transaction aborts instead of committing (Chromium refuses a transaction over the quota
 * at its commit). Set `window.quotaFull` to start; the app's own database only.
 */
function simulateFullStorage(page) {
  return page.addInitScript(() => {
    window.quotaFull = false;
    const transaction = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (stores, mode, options) {
      const tx = transaction.call(this, stores, mode, options);
      if (mode !== 'readwrite' || this.name !== 'daicho' || !window.quotaFull) return tx;
      // The app waits for the commit once all its requests have succeeded: refuse it there.
      let waiting = null;
      Object.defineProperty(tx, 'oncomplete', {
        configurable: true,
        get: () => waiting,
        set(handler) {
          waiting = handler;
          tx.abort();
        },
      });
      return tx;
    };
    // And what navigator.storage.estimate() says then: 1 MB left.
    const estimate = StorageManager.prototype.estimate;
    StorageManager.prototype.estimate = async function () {
      const real = await estimate.call(this);
      return window.quotaFull ? { ...real, quota: real.usage + 1024 * 1024 } : real;
    };
  });
}

test('a write refused for quota is an error, stores nothing half-way, and keeps the form', async ({ page }) => {
  await simulateFullStorage(page);
  await counterTown(page, [YAMADA, SATO]);
  await chooseRoom(page, '住民窓口');
  const before = await eventCount(page);
  const rowsBefore = await logRows(page).count();

  await page.evaluate(() => (window.quotaFull = true));
  await fillEntry(page, { ...YAMADA, purpose: '窓口業務（容量不足）' });
  await page.click('#record-entry');
  const error = page.locator('.form-error');
  await expect(error).toContainText('端末の保存領域が足りないため、記録は保存されていません');
  await expect(error).toContainText('上限');
  // Nothing of it stored: not the event, not the register's record, not the logbook's line.
  expect(await eventCount(page)).toBe(before);
  await expect(insideRow(page, YAMADA.name)).toHaveCount(0);
  await expect(logRows(page)).toHaveCount(rowsBefore);
  await expect(page.locator('.notice')).not.toContainText('入室を記録しました');
  // The clerk's input is still there, to record again.
  await expect(page.locator('#entry-purpose')).toHaveValue('窓口業務（容量不足）');

  // Space again: the same form records it, once.
  await page.evaluate(() => (window.quotaFull = false));
  await page.click('#record-entry');
  await expect(insideRow(page, YAMADA.name)).toBeVisible();
  expect(await eventCount(page)).toBe(before + 1);
});

test('端末と同期 shows the storage, asks to keep it, and the pages warn while records wait', async ({ page }) => {
  await simulateFullStorage(page);
  await counterTown(page, [YAMADA]);
  // Headless Chromium never grants persistence: the records here are this tablet's only copy.
  const warning = page.locator('.storage-trouble');
  await tab(page, '入退室管理簿');
  await expect(warning).toContainText('保護されていません');
  await expect(warning).toContainText(/まだ送信していない記録が \d+ 件/);

  await tab(page, '端末と同期');
  const card = page.locator('.storage-card');
  await expect(card.locator('.persisted')).toHaveAttribute('data-persisted', 'false');
  const usage = Number(await card.locator('.usage').getAttribute('data-bytes'));
  const available = Number(await card.locator('.available').getAttribute('data-bytes'));
  expect(usage).toBeGreaterThan(0);
  expect(available).toBeGreaterThan(50 * 1024 * 1024);
  await page.click('#ask-persist');
  await expect(card).toContainText('ブラウザは保護を認めませんでした');

  // The quota nearly used up: told on 端末と同期 and on every page, as an alert.
  await page.evaluate(() => (window.quotaFull = true));
  await page.click('#sync-now');
  await expect(card.locator('.storage-concerns')).toContainText('保存領域の残りが少なくなっています');
  await tab(page, '入退室管理簿');
  await expect(page.locator('.storage-trouble.low[role="alert"]')).toContainText('残り 1.0 MB');
});
