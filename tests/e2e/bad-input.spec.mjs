// Bad input gets a clear Japanese message at the field and stores nothing.
import { test, expect } from '@playwright/test';
import {
  ADMIN, SATO, YAMADA, openApp, counterTown, chooseRoom, fillEntry, recordEntry, insideRow,
  exitButton, logRows, chooseTime, eventCount,
} from './helpers.mjs';

test.beforeEach(async ({ page }) => {
  await counterTown(page);
  await chooseRoom(page, '住民窓口');
});

/** Submits the entry form expecting a refusal at `field`; asserts nothing was stored. */
async function expectRefused(page, field, message) {
  const before = await eventCount(page);
  await page.click('#record-entry');
  await expect(page.locator(`.field-error[data-field="${field}"]`)).toContainText(message);
  expect(await eventCount(page)).toBe(before);
  await expect(logRows(page)).toHaveCount(0);
}

test('no person chosen is refused at the person field', async ({ page }) => {
  await fillEntry(page, {});
  await expectRefused(page, 'Name', '入室する方を職員・来訪者の登録から選んでください');
  await expect(page.locator('#entry-person')).toHaveAttribute('aria-invalid', 'true');
});

test('staff without a permission for the room are refused, citing 第17条第2項', async ({ page }) => {
  await fillEntry(page, ADMIN);
  await expectRefused(page, 'Person', '事前の入室許可がありません');
  await expect(page.locator('.field-error[data-field="Person"]')).toContainText('第17条第2項');
  // The refusal says where to go: the permission is recorded on 入室許可.
  await page.locator('.field-error[data-field="Person"] a.remedy', { hasText: '入室許可を記録する' }).click();
  await expect(page).toHaveURL(/#\/permits$/);
  await expect(page.locator('.page[data-tab="入室許可"]')).toBeVisible();
});

test('a refusal keeps the choices, and withdraws an earlier success line', async ({ page }) => {
  await recordEntry(page, YAMADA);
  await expect(page.locator('.notice')).toContainText('入室を記録しました');
  await fillEntry(page, ADMIN);
  await page.click('#record-entry');
  await expect(page.locator('.field-error[data-field="Person"]')).toBeVisible();
  // The success line is withdrawn, so it cannot be mistaken for this entry's.
  await expect(page.locator('.notice')).toHaveText('');
  await expect(page.locator('#entry-person')).toHaveValue(/.+/);
  await expect(page.locator('#entry-purpose')).toHaveValue('窓口業務');
  // Choosing a permitted person instead records, with the name tag confirmed by the button.
  await page.locator('.chip', { hasText: SATO.name }).click();
  await page.click('#record-entry');
  await expect(insideRow(page, SATO.name)).toBeVisible();
  await expect(logRows(page).filter({ hasText: SATO.name })).toContainText('着用');
});

test('a time more than 5 minutes in the future is refused', async ({ page }) => {
  await fillEntry(page, YAMADA);
  await chooseTime(page, 10);
  await expectRefused(page, 'Time', '5分以上先');
});

test('an exit earlier than the entry is refused and the person stays inside', async ({ page }) => {
  await recordEntry(page, YAMADA);
  const before = await eventCount(page);
  await chooseTime(page, -60);
  await exitButton(page, '山田 太郎').click();
  await expect(page.locator('.exit-error')).toContainText('退室時刻が入室時刻');
  await expect(insideRow(page, '山田 太郎')).toBeVisible();
  expect(await eventCount(page)).toBe(before);
});

test('the exit of someone no longer inside is refused', async ({ page, context }) => {
  await recordEntry(page, YAMADA);
  // A second tab still shows them inside after the first records the exit.
  const other = await context.newPage();
  await openApp(other);
  await chooseRoom(other, '住民窓口');
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

test('on home too, the refusal of a stale exit stays while the list is read again', async ({ page, context }) => {
  await recordEntry(page, YAMADA);
  const other = await context.newPage();
  await openApp(other, '/#/');
  const counter = other.locator('.home-room[data-room="default-level-1"]');
  await expect(counter.locator('h3')).toContainText('1人');
  await exitButton(page, '山田 太郎').click();
  await expect(insideRow(page, '山田 太郎')).toHaveCount(0);

  await exitButton(other, '山田 太郎').click();
  // Read again, the room shows nobody inside, and still says why the tap recorded nothing.
  await expect(counter.locator('h3')).toContainText('0人');
  await expect(counter.locator('.exit-error')).toContainText('入室中ではありません');
});
