// The first administrator's way forward (issue 17): ホーム shows the town's setup step by step
// — terms of office, rooms and keys, staff, permissions, this tablet's enrollment — what each
// lacks, the next one marked, each a link to where it is recorded; a step done shows at once.
import { test, expect } from '@playwright/test';
import {
  ADMIN,
  YAMADA,
  addPerson,
  chooseRoom,
  counterTown,
  grantPermission,
  insideRow,
  openApp,
  recordEntry,
  recordTenure,
  tab,
  watchFailures,
} from './helpers.mjs';

test('the setup checklist shows what is done and what is next, each step a link', async ({ page }) => {
  await openApp(page, '/#/');
  const step = (code) => page.locator(`.setup-checklist [data-step="${code}"]`);
  await expect(page.locator('.setup-checklist')).toBeVisible();
  await expect(step('terms')).toHaveAttribute('data-done', 'false');
  await expect(step('terms')).toHaveClass(/next/);
  await expect(step('terms')).toContainText('セキュリティ総括責任者の担当者がいません');
  await expect(step('rooms')).toContainText('初期値のままです');
  await expect(step('rooms')).toContainText('鍵が登録されていません');
  await expect(step('staff')).toContainText('職員が登録されていません');

  // The step's link leads to where it is recorded.
  await step('terms').getByRole('link', { name: '職と役割を開く →' }).click();
  await expect(page).toHaveURL(/#\/positions$/);
  for (const position of ['副町長', '総務課長', '住民税務課長']) await recordTenure(page, position, ADMIN);
  await tab(page, 'ホーム');
  await expect(step('terms')).toHaveAttribute('data-done', 'true');
  await expect(step('terms')).toContainText('済み');
  await expect(step('rooms')).toHaveClass(/next/);

  await addPerson(page, YAMADA);
  await grantPermission(page, YAMADA);
  await tab(page, 'ホーム');
  await expect(step('staff')).toHaveAttribute('data-done', 'true');
  await expect(step('permissions')).toHaveAttribute('data-done', 'true');
  await expect(step('enrollment')).toHaveAttribute('data-done', 'false');
  await expect(step('enrollment').getByRole('link')).toHaveAttribute('href', '#/sync');
});

test('leaving ホーム while the checklist is still being read: no panic, the page left works', async ({ page }) => {
  const failures = watchFailures(page);
  const panics = [];
  page.on('console', (m) => {
    if (m.text().includes('panicked')) panics.push(m.text());
  });
  await counterTown(page, [YAMADA]);
  // ホーム shown, then left at once, over and over: each of its reads ends after it is gone.
  for (let delay = 0; delay < 24; delay++) {
    await page.evaluate(async (ms) => {
      location.hash = '#/';
      await new Promise((resolve) => setTimeout(resolve, ms));
      location.hash = '#/entry-log';
      await new Promise((resolve) => setTimeout(resolve, 30));
    }, delay % 12);
  }
  await chooseRoom(page, '住民窓口');
  await recordEntry(page, YAMADA);
  await expect(insideRow(page, YAMADA.name)).toBeVisible();
  expect(panics).toEqual([]);
  expect(failures).toEqual([]);
});
