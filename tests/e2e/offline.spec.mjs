// The entry/exit logbook works with the network cut, and what is recorded stays recorded:
// across reloads and across a browser restart.
import { test, expect, chromium } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumArgs } from './playwright.config.mjs';
import {
  SATO, YAMADA, openApp, counterTown, waitForServiceWorker, chooseRoom, recordEntry, insideRow,
  exitButton, logRows, eventCount, watchFailures,
} from './helpers.mjs';

test('offline: record an entry and an exit, reload, still there, no request fails', async ({ page, context }) => {
  await counterTown(page);
  await waitForServiceWorker(page);
  const seeded = await eventCount(page);

  await context.setOffline(true);
  const failures = watchFailures(page);
  await page.reload();
  await expect(page.locator('[data-ready="true"]')).toBeVisible();
  await expect(page.locator('.network')).toContainText('オフライン');

  await chooseRoom(page, '住民窓口');
  await recordEntry(page, YAMADA);
  await expect(page.locator('.notice')).toContainText('山田 太郎さんの入室を記録しました');
  await expect(logRows(page).first()).toContainText('入室中');

  await page.reload();
  await expect(page.locator('[data-ready="true"]')).toBeVisible();
  // The tablet reopens on the room it showed last.
  await expect(page.locator('.form-room')).toContainText('住民窓口');
  await expect(insideRow(page, '山田 太郎')).toBeVisible();

  await exitButton(page, '山田 太郎').click();
  await expect(insideRow(page, '山田 太郎')).toHaveCount(0);
  await expect(page.locator('.notice')).toContainText('山田 太郎さんの退室を記録しました');

  await page.reload();
  await expect(page.locator('[data-ready="true"]')).toBeVisible();
  await chooseRoom(page, '住民窓口');
  await expect(page.locator('.inside .empty')).toBeVisible();
  await expect(logRows(page)).toHaveCount(1);
  const line = logRows(page).first();
  await expect(line).toContainText('山田 太郎');
  await expect(line).toContainText('令和');
  await expect(line).not.toContainText('入室中');
  expect(await eventCount(page)).toBe(seeded + 2);
  expect(failures).toEqual([]);
});

test('an entry survives closing and restarting the browser', async () => {
  const profile = mkdtempSync(join(tmpdir(), 'daicho-profile-'));
  const baseURL = test.info().project.use.baseURL;
  const launch = () =>
    chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      args: chromiumArgs,
      baseURL,
      locale: 'ja-JP',
      timezoneId: 'Asia/Tokyo',
    });
  try {
    let browser = await launch();
    let page = await browser.newPage();
    await counterTown(page, [SATO]);
    await chooseRoom(page, '住民窓口');
    await recordEntry(page, SATO);
    await browser.close();

    browser = await launch();
    page = await browser.newPage();
    await openApp(page);
    await chooseRoom(page, '住民窓口');
    await expect(insideRow(page, '佐藤 花子')).toBeVisible();
    await expect(logRows(page)).toHaveCount(1);
    await browser.close();
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
});
