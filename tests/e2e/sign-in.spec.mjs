// Operators sign in with a PIN: the first run registers the first staff member, five wrong
// PINs lock, an administrator unlocks, and no PIN is ever stored.
import { test, expect } from '@playwright/test';
import {
  ADMIN, addPerson, openApp, signIn, chooseRoom, recordEntry, logRows, eventCount, storedEvents,
  recordTenure, grantPermission, tab,
} from './helpers.mjs';

const SATO = { name: '佐藤 花子', affiliation: '住民税務課', pin: '1357' };

async function signOut(page) {
  await page.click('#sign-out');
  await expect(page.locator('[data-screen="sign-in"]')).toBeVisible();
}

test('the first run registers the first staff member, refusing a bad PIN and storing nothing', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('[data-screen="setup"]')).toBeVisible();
  const before = await eventCount(page);
  await page.fill('#setup-name', ADMIN.name);
  await page.fill('#setup-affiliation', ADMIN.affiliation);
  await page.fill('#setup-pin', '12');
  await page.fill('#setup-pin-again', '12');
  await page.click('#setup');
  await expect(page.locator('.form-error')).toContainText('4〜8桁の数字');
  expect(await eventCount(page)).toBe(before);
  await page.fill('#setup-pin', ADMIN.pin);
  await page.fill('#setup-pin-again', '9999');
  await page.click('#setup');
  await expect(page.locator('.form-error')).toContainText('一致しません');
  expect(await eventCount(page)).toBe(before);

  await page.fill('#setup-pin-again', ADMIN.pin);
  await page.click('#setup');
  await expect(page.locator('.operator')).toContainText(ADMIN.name);
  // Every event now carries the operator: the logbook names who recorded the line.
  await recordTenure(page, '住民税務課長', ADMIN);
  await grantPermission(page, ADMIN);
  await tab(page, '入退室管理簿');
  await chooseRoom(page, '住民窓口');
  await recordEntry(page, ADMIN);
  await expect(logRows(page).first()).toContainText(ADMIN.name);
  const kinds = (await storedEvents(page)).map((e) => e.kind);
  expect(kinds).toEqual(expect.arrayContaining(['person_defined', 'pin_set', 'signed_in', 'entry_recorded']));
});

test('five wrong PINs lock; an administrator unlocks; no PIN is stored', async ({ page }) => {
  await openApp(page);
  await addPerson(page, SATO);
  await expect(page.locator('tr[data-person="佐藤 花子"] .pin-state')).toHaveText('設定済み');
  await signOut(page);

  for (const left of [4, 3, 2, 1]) {
    await signIn(page, SATO, '0000');
    await expect(page.locator('.form-error')).toContainText(`あと${left}回`);
  }
  await signIn(page, SATO, '0000');
  await expect(page.locator('.form-error')).toContainText('ロックされました');
  await signIn(page, SATO);
  await expect(page.locator('.form-error')).toContainText('ロック中');
  const failures = (await storedEvents(page)).filter((e) => e.kind === 'sign_in_failed');
  expect(failures).toHaveLength(5);

  await signIn(page, ADMIN);
  await page.getByRole('button', { name: '職員・来訪者' }).click();
  await expect(page.locator('tr[data-person="佐藤 花子"] .pin-state')).toHaveText('ロック中');
  await page.getByRole('button', { name: '佐藤 花子さんのロックを解除' }).click();
  await expect(page.locator('tr[data-person="佐藤 花子"] .pin-state')).toHaveText('設定済み');
  // Done reads as done (a refusal would be an alert).
  await expect(page.getByRole('status').filter({ hasText: 'ロックを解除しました' })).toHaveClass(/status/);
  await signOut(page);
  await signIn(page, SATO);
  await expect(page.locator('.operator')).toContainText(SATO.name);

  const stored = JSON.stringify(await storedEvents(page));
  for (const pin of [ADMIN.pin, SATO.pin, '0000']) expect(stored).not.toContain(`"${pin}"`);
});
