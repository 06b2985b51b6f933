// 室・鍵: the rooms by level (第17条第1項) with the entry manager their level gives (第18条);
// the defaults are marked for editing, an edit replaces them, and a bad room is refused.
import { test, expect } from '@playwright/test';
import { ADMIN, openApp, recordTenure, storedEvents, tab } from './helpers.mjs';

async function openRooms(page) {
  await tab(page, '室・鍵');
  await expect(page.locator('.rooms-page[data-ready="true"]')).toBeVisible();
}

test('rooms show their derived entry manager; a default is edited and a room added', async ({ page }) => {
  await openApp(page);
  await recordTenure(page, '総務課長', ADMIN);
  await openRooms(page);
  const row = (id) => page.locator(`tr[data-room="${id}"]`);
  await expect(page.locator('.rooms tbody tr')).toHaveCount(3);
  await expect(page.locator('.rooms .default-tag')).toHaveCount(3);
  await expect(row('default-level-2').locator('.manager')).toContainText('入退室管理者（レベル3・2）');
  await expect(row('default-level-2').locator('.manager')).toContainText(ADMIN.name);
  await expect(row('default-level-1').locator('.manager')).toContainText('入退室管理者（レベル1）');
  await expect(row('default-level-1').locator('.manager')).toContainText('（未登録）');

  // An empty place is refused and nothing is stored.
  const before = (await storedEvents(page)).length;
  await page.getByRole('button', { name: '住民窓口を編集' }).click();
  await expect(page.locator('#room-name')).toHaveValue('住民窓口');
  await page.fill('#room-place', '');
  await page.click('#save-room');
  await expect(page.locator('.room-form .form-error')).toContainText('場所を入力してください');
  expect((await storedEvents(page)).length).toBe(before);

  await page.fill('#room-place', '上湧別庁舎 1階');
  await page.click('#save-room');
  await expect(page.locator('.room-form .status')).toContainText('住民窓口を記録しました');
  await expect(row('default-level-1')).toContainText('上湧別庁舎 1階');
  await expect(row('default-level-1').locator('.default-tag')).toHaveCount(0);

  await page.fill('#room-name', '中湧別出張所 窓口');
  await page.fill('#room-place', '中湧別出張所');
  await page.selectOption('#room-level', '1');
  await page.click('#save-room');
  await expect(page.locator('.rooms tbody tr')).toHaveCount(4);
  const defined = (await storedEvents(page)).filter((e) => e.kind === 'room_defined');
  expect(defined).toHaveLength(5);
  // The edit is a new version of the same room; the default stays in the history.
  expect(defined.filter((e) => e.payload.id === 'default-level-1')).toHaveLength(2);

  // The room's history: the seeded default, then the edit, each with who recorded it.
  await row('default-level-1').getByRole('link', { name: '履歴' }).click();
  await expect(page).toHaveURL(/#\/history\/room:default-level-1$/);
  const versions = page.locator('.history-event');
  await expect(versions).toHaveCount(2);
  await expect(versions.nth(0)).toContainText('上湧別庁舎');
  await expect(versions.nth(1)).toContainText('上湧別庁舎 1階');
  await expect(versions.nth(1)).toContainText(ADMIN.name);

  await tab(page, '入退室管理簿');
  await expect(page.getByRole('button', { name: /中湧別出張所 窓口/ })).toBeVisible();
});
