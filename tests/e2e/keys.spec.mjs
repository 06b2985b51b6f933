// 鍵の管理簿 and 入室許可: a key of a level-2 room is lent only to a person permitted by the
// room's entry manager, to one holder at a time, and comes back.
import { test, expect } from '@playwright/test';
import {
  UUID, ADMIN, YAMADA, addPerson, counterTown, grantPermission, openApp, recordEntry, recordTenure,
} from './helpers.mjs';

const SATO = { name: '佐藤 花子', affiliation: '住民税務課' };
const option = (who) => ({ label: `${who.name}（${who.affiliation}）` });

async function tab(page, name) {
  await page.getByRole('button', { name, exact: true }).click();
}

async function lend(page, who) {
  await page.selectOption('#lend-key', { label: '電算室 1号鍵（電算室（サーバ室））' });
  await page.selectOption('#lend-person', option(who));
  await page.fill('#lend-purpose', 'サーバ点検');
  await page.click('#lend');
}

test('a key is lent only to the permitted, one holder at a time, and returned', async ({ page }) => {
  await openApp(page);
  await addPerson(page, SATO);

  // The administrator is 総務課長, and so the entry manager of level-3 and level-2 rooms.
  await tab(page, '職と役割');
  await page.selectOption('#tenure-position', { label: '総務課長' });
  await page.selectOption('#tenure-holder', option(ADMIN));
  await page.fill('#tenure-from', '2024-04-01');
  await page.click('#record-tenure');
  await expect(page.locator('.tenure-form .status')).toBeVisible();

  await tab(page, '鍵の管理簿');
  await page.selectOption('#key-room', { label: '電算室（サーバ室）（レベル2）' });
  await page.fill('#key-label', '電算室 1号鍵');
  await page.click('#define-key');
  await expect(page.locator('.key-form .status')).toContainText('鍵を登録しました');

  await lend(page, SATO);
  const refusal = page.locator('.lend-form .form-error');
  await expect(refusal).toContainText('事前の入室許可がありません');
  await expect(refusal).toContainText('第18条第4項');
  await expect(page.locator('.keys-out .empty')).toBeVisible();

  await tab(page, '入室許可');
  await page.selectOption('#standing-person', option(SATO));
  await page.selectOption('#standing-room', { label: '電算室（サーバ室）（レベル2）' });
  await page.click('#grant-standing');
  await expect(page.locator('.standing-form .status')).toContainText('入室を許可しました');
  await expect(page.locator('.permit-list tr[data-person="佐藤 花子"]')).toContainText(ADMIN.name);

  await tab(page, '鍵の管理簿');
  await lend(page, SATO);
  await expect(page.locator('.lend-form .status')).toContainText('貸出を記録しました');
  const out = page.locator('.keys-out .key-row');
  await expect(out).toHaveCount(1);
  await expect(out).toContainText(SATO.name);

  // One holder at a time: the key is out with 佐藤 (named, not an id).
  await lend(page, ADMIN);
  await expect(page.locator('.lend-form .form-error')).toContainText('佐藤 花子さんに貸出中');

  await page.getByRole('button', { name: '電算室 1号鍵（電算室（サーバ室））の返却を記録' }).click();
  await expect(page.locator('.keys-out .status')).toContainText('返却を記録しました');
  await expect(page.locator('.keys-out .empty')).toBeVisible();

  // Revoked, the permission stops counting: the key is refused again; the permit stays listed.
  await tab(page, '入室許可');
  await page.getByRole('button', { name: '佐藤 花子さんの許可を取り消す' }).click();
  // Revoked, it leaves the list of permits in force and stays among the ended ones.
  await expect(page.locator('.permit-list tr[data-person="佐藤 花子"]')).toHaveCount(0);
  await page.selectOption('#permit-filter-state', 'ended');
  await expect(page.locator('.permit-list tr[data-person="佐藤 花子"] .revoked')).toContainText('取消');
  await tab(page, '鍵の管理簿');
  await lend(page, SATO);
  await expect(page.locator('.lend-form .form-error')).toContainText('事前の入室許可がありません');

  // 操作履歴 says what the return acted on: the loan's person and key, by name and label; the
  // device by name (this one is not enrolled yet); never an id.
  await tab(page, '操作履歴');
  const returned = page.locator('tr[data-kind="key_returned"]').first();
  await expect(returned.locator('.what')).toContainText('鍵の貸出：対象者：佐藤 花子');
  await expect(returned.locator('.what')).toContainText('・鍵：電算室 1号鍵（電算室（サーバ室））');
  await expect(returned.locator('.device')).toHaveText('この端末（未登録）');
  await expect(page.locator('table.history-table')).not.toContainText(UUID);
});

test('per-visit permits are granted by the entry manager only for level-3 rooms', async ({ page }) => {
  await openApp(page);
  await tab(page, '入室許可');
  // Nobody holds 総務課長 yet, so nobody is the entry manager of level-3 rooms.
  await page.selectOption('#visit-person', option(ADMIN));
  await page.selectOption('#visit-room', { label: 'データ・セキュリティ情報保管室（レベル3）' });
  await page.fill('#visit-purpose', '媒体の保管');
  await page.click('#grant-visit');
  const refusal = page.locator('.visit-form .form-error');
  await expect(refusal).toContainText('入退室管理者（レベル3・2）だけ');
  await expect(refusal).toContainText('第18条第1項');
});

test('home shows who is inside and which keys are out; entry and exit take at most 3 taps', async ({ page }) => {
  await counterTown(page, [YAMADA]);
  await tab(page, 'ホーム');
  await expect(page.locator('.home-keys .empty')).toBeVisible();
  // The first entry of a person gives the purpose.
  await page.click('#go-entry-log');
  await page.getByRole('button', { name: /住民窓口/ }).click();
  await recordEntry(page, YAMADA);
  await tab(page, 'ホーム');
  const counter = page.locator('.home-room[data-room="default-level-1"]');
  await expect(counter).toContainText(YAMADA.name);
  await expect(counter.locator('h3')).toContainText('1人');

  // Exit: one tap on home.
  await counter.getByRole('button', { name: `${YAMADA.name}さんの退室を記録` }).click();
  await expect(counter.locator('h3')).toContainText('0人');
  // 操作履歴 names the exit's person and room (the exit's own record names only its entry).
  await tab(page, '操作履歴');
  await expect(page.locator('tr[data-kind="exit_recorded"] .what').first())
    .toContainText(`入室の記録：対象者：${YAMADA.name}・室：住民窓口`);
  await tab(page, 'ホーム');

  // Entry: the room on home, the person, the name-tag confirmation — three taps, no typing
  // (the purpose is the one the person gave last time in this room).
  await page.click('#enter-default-level-1');
  await page.locator('.chip', { hasText: YAMADA.name }).click();
  await expect(page.locator('#entry-purpose')).toHaveValue('窓口業務');
  await page.click('#record-entry');
  await expect(page.locator('.inside-row', { hasText: YAMADA.name })).toBeVisible();

  // The address follows the page: a reload stays, and back returns.
  await tab(page, 'ホーム');
  await page.click('#go-keys');
  await expect(page).toHaveURL(/#\/keys$/);
  await page.goBack();
  await expect(page.locator('.home')).toBeVisible();
});

test('a key is lent in three taps from home and returned in one; its month prints on one A4 page', async ({ page }) => {
  await openApp(page);
  await recordTenure(page, '総務課長', ADMIN);
  await addPerson(page, YAMADA);
  await grantPermission(page, YAMADA, '電算室（サーバ室）（レベル2）');
  await tab(page, '鍵の管理簿');
  await page.selectOption('#key-room', { label: '電算室（サーバ室）（レベル2）' });
  await page.fill('#key-label', '電算室 1号鍵');
  await page.click('#define-key');
  await expect(page.locator('.key-form .status')).toContainText('鍵を登録しました');
  // The first loan of a person gives the purpose.
  await lend(page, YAMADA);
  await expect(page.locator('.lend-form .status')).toContainText('貸出を記録しました');
  await tab(page, 'ホーム');
  await page.getByRole('button', { name: '電算室 1号鍵の返却を記録' }).click();
  await expect(page.locator('.home-keys .empty')).toBeVisible();

  // Lend: the key on home, the person, the record button — three taps, no typing.
  await page.getByRole('button', { name: '電算室 1号鍵を貸し出す' }).click();
  await page.locator('.lend-form .chip', { hasText: YAMADA.name }).click();
  await expect(page.locator('#lend-purpose')).toHaveValue('サーバ点検');
  await page.click('#lend');
  await expect(page.locator('.keys-out .key-row')).toContainText(YAMADA.name);
  // Return: one tap on home.
  await tab(page, 'ホーム');
  await page.getByRole('button', { name: '電算室 1号鍵の返却を記録' }).click();
  await expect(page.locator('.home-keys .empty')).toBeVisible();

  // The month's key logbook: both loans, lent and returned, by whom; printed alone on A4.
  await tab(page, '鍵の管理簿');
  const month = await page.evaluate(() => new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 7));
  // A list of months (the same in every browser), labelled in 和暦.
  await expect(page.locator(`#key-log-month option[value="${month}"]`)).toHaveText(/^令和\d+年\d+月$/);
  await page.selectOption('#key-log-month', month);
  const rows = page.locator('.key-log-table tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText(YAMADA.name);
  await expect(rows.first()).toContainText(ADMIN.name);
  await expect(page.locator('#key-log-heading')).toContainText('令和');
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('.lend-form')).toBeHidden();
  await expect(page.locator('.register-bar')).toBeHidden();
  await expect(page.locator('.key-log-table')).toBeVisible();
  const pdf = await page.pdf({ format: 'A4', printBackground: false });
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  expect(pages).toBe(1);
});
