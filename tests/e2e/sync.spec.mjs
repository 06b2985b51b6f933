// 端末と同期: a device enrolls with a one-time code from `daicho-server enroll-token` and sends
// its records, signed by its own key; the endpoint stores each once.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { openApp, storedEvents, tab } from './helpers.mjs';
import { serverFigures } from './figures.mjs';
import { PORT } from './playwright.config.mjs';

/** A one-time code, made as the system administrator makes it on the server. */
function enrollmentCode() {
  const out = execFileSync('../../target/debug/daicho-server', ['--data-dir', '../../target/e2e-data', 'enroll-token'], {
    encoding: 'utf8',
  });
  return out.trim();
}

async function serverEvents() {
  return (await serverFigures(`http://localhost:${PORT}`, '../../target/e2e-data')).events;
}

test('a device enrolls with a one-time code and sends its records once', async ({ page }) => {
  await openApp(page);
  await tab(page, '端末と同期');
  await expect(page.locator('.sync-state .enrolled')).toHaveText('未登録');
  const before = await serverEvents();

  // Not enrolled: nothing is sent, and the page says why.
  await page.click('#sync-now');
  await expect(page.locator('.sync-page .form-error').first()).toContainText('まだ登録されていません');
  await expect(page.locator('.sync-state .last-error')).toContainText('まだ登録されていません');

  // A device is named at enrollment: the name is what 操作履歴 and the printouts call it.
  await page.fill('#enroll-code', '0000-0000-0000');
  await page.click('#enroll');
  await expect(page.locator('.enroll-form .form-error')).toContainText('端末の名前を入力してください');
  await page.fill('#enroll-name', '本庁 タブレット1');
  await page.click('#enroll');
  await expect(page.locator('.enroll-form .form-error')).toContainText('unknown_code');

  const code = enrollmentCode();
  await page.fill('#enroll-code', code);
  await page.click('#enroll');
  await expect(page.locator('.enroll-form .status')).toContainText('この端末を登録しました');
  await expect(page.locator('.sync-state .enrolled')).toHaveText('登録済み');
  // The same code does not work twice.
  await page.click('#enroll');
  await expect(page.locator('.enroll-form .form-error')).toContainText('code_used');

  // Enrolled, the device sends what it recorded by itself, shortly.
  const recorded = (await storedEvents(page)).length;
  await expect(page.locator('.sync-state .pending')).toHaveAttribute('data-pending', '0', { timeout: 15_000 });
  await expect(page.locator('.sync-state .last-error')).toHaveText('なし');
  // …and then the record of that sync (第12条), which the next sync sends without recording
  // itself again.
  await expect.poll(() => serverEvents()).toBe(before + recorded + 1);

  // Nothing new: nothing sent, nothing stored twice.
  await page.click('#sync-now');
  await expect(page.locator('.sync-page > .card .status')).toContainText('0件を送信し');
  expect(await serverEvents()).toBe(before + recorded + 1);
});
