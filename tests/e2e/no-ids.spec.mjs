// Nothing a person reads is an internal id (issue 17): after a day's work on an enrolled tablet
// — a loan and its return, an entry and its exit, a correction — every page, a record's page
// and a room's history are read whole, and none shows UUID-shaped text, a stored field's
// English name or any other English word in the Japanese UI (english.spec.mjs holds the
// English UI to the same the other way round).
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import {
  UUID, ADMIN, YAMADA, aDaysWork, option, tab,
} from './helpers.mjs';

/** Stored names that would mean raw data on screen. */
const RAW = /\b(amend|correction|payload|undefined|null|NaN|entry_recorded|key_lent)\b/;

const PAGES = [
  'ホーム', '入退室管理簿', '鍵の管理簿', '入室許可', '室・鍵', '職員・来訪者', '職と役割', 'セキュリティ会議',
  '指示・依頼', '報告', '機器', 'ID管理簿', '情報資産', '端末と同期', '例外', '操作履歴',
];

function enrollmentCode() {
  return execFileSync('../../target/debug/daicho-server', ['--data-dir', '../../target/e2e-data', 'enroll-token'], {
    encoding: 'utf8',
  }).trim();
}

/** Latin words a Japanese screen uses on purpose: formats, the PIN, the switch to English, the
 *  enrollment command the administrator types. Any other English word is raw text. */
const LATIN_KEPT = new Set(['CSV', 'PIN', 'ISO', 'English', 'daicho', 'server', 'enroll', 'token']);

/** The page's text as read, checked for ids, raw names and English left in the Japanese UI. */
async function expectNoIds(page, where) {
  await expect(page.locator('[data-ready="true"]').first()).toBeVisible();
  const text = await page.locator('.app-layer').innerText();
  expect(text, `${where}: ${text.match(UUID)?.[0]}`).not.toMatch(UUID);
  expect(text, `${where}: ${text.match(RAW)?.[0]}`).not.toMatch(RAW);
  const english = (text.match(/[A-Za-z]{3,}/g) ?? []).filter((w) => !LATIN_KEPT.has(w));
  expect(english, `${where}: English in the Japanese UI`).toEqual([]);
}

test('no page shows an internal id or a raw field name', async ({ page }) => {
  test.setTimeout(120_000);
  // Its line corrected, so its record page has three events.
  await aDaysWork(page, '/#/entry-log', enrollmentCode());
  await expectNoIds(page, 'the record page');
  await expect(page.locator('.record-id')).toContainText('記録した端末：本庁 タブレット1');

  // An ID ledger line's record: the ID itself, the ledger and the act in words, the approver
  // by name, the date in 和暦; the kind's bare id not shown.
  await tab(page, 'ID管理簿');
  await page.fill('#kind-name', '住基照会');
  await page.fill('#kind-permits', '本人確認情報の照会');
  await page.click('#define-kind');
  await expect(page.locator('.kind-form .status')).toContainText('操作者IDの種類を登録しました');
  await page.fill('#operator-id', 'OP-001');
  await page.selectOption('#operator-person', option(YAMADA));
  await page.selectOption('#operator-kind', { label: '住基照会' });
  await page.click('#record-operator-line');
  const line = page.locator('table.id-list[data-ledger="operator"] tr[data-id="OP-001"]');
  await expect(line).toBeVisible();
  await line.locator('a.record-link').first().click();
  await expect(page.locator('[data-field="id"]')).toHaveText('OP-001');
  await expect(page.locator('[data-field="ledger"]')).toHaveText('操作者ID管理簿');
  await expect(page.locator('[data-field="action"]')).toHaveText('発行');
  await expect(page.locator('[data-field="approved_by"]')).toHaveText(ADMIN.name);
  await expect(page.locator('[data-field="on"]')).toContainText('令和');
  await expect(page.locator('[data-field="kind_id"]')).toHaveCount(0);
  await expectNoIds(page, "an ID ledger line's record");

  for (const name of PAGES) {
    await tab(page, name);
    await expectNoIds(page, name);
  }
  await tab(page, '室・鍵');
  await page.locator('.rooms a.record-link', { hasText: '履歴' }).first().click();
  await expectNoIds(page, "a room's history");
});
