// Bad input gets a clear Japanese message at the field and stores nothing.
import { test, expect } from '@playwright/test';
import {
  openApp, chooseRoom, fillEntry, recordEntry, insideRow, exitButton, logRows, chooseTime,
  eventCount,
} from './helpers.mjs';

test.beforeEach(async ({ page }) => {
  await openApp(page);
  await chooseRoom(page, '電算室');
});

/** Submits the entry form expecting a refusal at `field`; asserts nothing was stored. */
async function expectRefused(page, field, message) {
  const before = await eventCount(page);
  await page.click('#record-entry');
  await expect(page.locator(`.field-error[data-field="${field}"]`)).toContainText(message);
  expect(await eventCount(page)).toBe(before);
  await expect(logRows(page)).toHaveCount(0);
}

test('empty name is refused at the name field', async ({ page }) => {
  await fillEntry(page, { name: '   ' });
  await expectRefused(page, 'Name', '氏名を入力してください');
  await expect(page.locator('#entry-name')).toHaveAttribute('aria-invalid', 'true');
});

test('name tag not confirmed is refused, citing 第17条第2項', async ({ page }) => {
  await fillEntry(page, { name: '山田 太郎', nameTag: false });
  await expectRefused(page, 'NameTag', '名札の着用を確認してください');
  await expect(page.locator('.field-error[data-field="NameTag"]')).toContainText('第17条第2項');
  // Nothing typed was lost: ticking the box and recording again succeeds.
  await page.check('#entry-name-tag');
  await page.click('#record-entry');
  await expect(insideRow(page, '山田 太郎')).toBeVisible();
  await expect(page.locator('.notice')).toContainText('入室を記録しました');
  // A later refusal withdraws the success line, so it cannot be mistaken for this entry's.
  await fillEntry(page, { name: '佐藤 花子', nameTag: false });
  await page.click('#record-entry');
  await expect(page.locator('.field-error[data-field="NameTag"]')).toBeVisible();
  await expect(page.locator('.notice')).toHaveText('');
});

test('a time more than 5 minutes in the future is refused', async ({ page }) => {
  await fillEntry(page, { name: '山田 太郎' });
  await chooseTime(page, 10);
  await expectRefused(page, 'Time', '5分以上先');
});

test('an exit earlier than the entry is refused and the person stays inside', async ({ page }) => {
  await recordEntry(page, { name: '山田 太郎' });
  const before = await eventCount(page);
  await chooseTime(page, -60);
  await exitButton(page, '山田 太郎').click();
  await expect(page.locator('.exit-error')).toContainText('退室時刻が入室時刻');
  await expect(insideRow(page, '山田 太郎')).toBeVisible();
  expect(await eventCount(page)).toBe(before);
});

test('the exit of someone no longer inside is refused', async ({ page, context }) => {
  await recordEntry(page, { name: '山田 太郎' });
  // A second tab still shows them inside after the first records the exit.
  const other = await context.newPage();
  await openApp(other);
  await chooseRoom(other, '電算室');
  await expect(insideRow(other, '山田 太郎')).toBeVisible();
  await exitButton(page, '山田 太郎').click();
  await expect(insideRow(page, '山田 太郎')).toHaveCount(0);

  const before = await eventCount(other);
  await exitButton(other, '山田 太郎').click();
  await expect(other.locator('.exit-error')).toContainText('入室中ではありません');
  expect(await eventCount(other)).toBe(before);
  // The stale list is read again: nobody is shown inside.
  await expect(insideRow(other, '山田 太郎')).toHaveCount(0);
});
