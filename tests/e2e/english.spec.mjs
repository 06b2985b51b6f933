// English beside Japanese (issue 17): after a day's work recorded in Japanese, the switch in
// the header turns every screen, the CSV and the A4 printout into English, remembered on this
// device across a reload; no page then shows Japanese except the town's data and the
// regulation's terms kept in parentheses beside their English, nor an untranslated key; dates
// are ISO; axe finds nothing on any English page. Switching back gives the Japanese screens, with 和暦, again. Screenshots of every
// page in both languages are saved under test-results/ to be looked at by eye.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import { PORT } from './playwright.config.mjs';
import { TestServer } from './server.mjs';
import {
  ADMIN, SATO, YAMADA, aDaysWork, chooseRoom, logRows, tab,
} from './helpers.mjs';

const PAGES_JA = [
  'ホーム', '入退室管理簿', '鍵の管理簿', '入室許可', '室・鍵', '職員・来訪者', '職と役割', 'セキュリティ会議',
  '指示・依頼', '報告', '機器', 'ID管理簿', '情報資産', '端末と同期', '例外', '操作履歴',
];

/** The town's data as recorded in this test or seeded at first setup: never translated. */
const DATA = [
  ADMIN.name, YAMADA.name, SATO.name, '総務課', '福祉課', 'データ・セキュリティ情報保管室', '電算室（サーバ室）',
  '電算室 1号鍵', '住民窓口', '上湧別庁舎', 'サーバ点検', '窓口業務', '窓口相談', '目的の誤記', '本庁 タブレット1',
  '副町長', '総務課長', '住民税務課長',
  // Seeded at first setup for the town to edit: positions, the basis of the roles, equipment.
  '中湧別出張所長', '福祉課長', '平成21年訓令第14号（令和6年3月29日改正まで）', '上湧別庁舎 電算室', '住基ネットサーバ',
  '住民税務課 住民窓口', '業務端末', '福祉課 住民窓口', '中湧別出張所 住民窓口',
  // The switch back to Japanese, named in Japanese for its reader.
  '日本語',
];

/** The regulation's terms, kept in Japanese in parentheses beside their English. */
const TERMS = [
  '台帳', '入退室管理簿', '鍵の管理簿', '入退室管理者', '鍵取扱者', 'セキュリティ総括責任者', 'セキュリティ責任者',
  'システム管理者', 'セキュリティ会議', '操作者ID', '操作者ID管理簿', '照合ID', '照合情報', '照合ID管理簿', 'ID管理簿',
  '操作履歴', '情報資産', '入室許可', '来訪者', '名札', '例外', '処置', '訂正', '指示・依頼', '報告', '室', '職', '役割',
  '任期', '職員', '所属', '端末', '同期', '住基ネット', '湧別町', '副町長', '総務課長', '住民税務課長', '総務課', '福祉課',
  '中湧別出張所', '上湧別庁舎', '機器', '措置', 'アクセス管理責任者',
];

const JAPANESE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The text with the town's data and the kept terms taken out: what must be English. */
function withoutKept(text) {
  let rest = text;
  for (const d of [...DATA].sort((a, b) => b.length - a.length)) rest = rest.split(d).join(' ');
  const kept = new RegExp(`\\((${TERMS.map(escape).join('|')})\\)`, 'g');
  return rest.replace(kept, ' ');
}

/** Fails on Japanese left in the English page (with where it stands) or an untranslated key. */
function expectEnglish(text, where) {
  const rest = withoutKept(text);
  const at = rest.search(JAPANESE);
  expect(at, `${where}: Japanese left: …${rest.slice(Math.max(0, at - 40), at + 40)}…`).toBe(-1);
  expect(text, `${where}: an untranslated key`).not.toMatch(/\ben\./);
}

/** This month in Japan, as the report's period select values it: 2026-12. */
function thisMonth() {
  return new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 7);
}

/** The labels of the nav's tabs, in the order shown. */
async function tabLabels(page) {
  return page.locator('nav.operator-bar button.tab, nav.register-bar button.tab').allInnerTexts();
}

async function switchLanguage(page, to) {
  await page.locator('.language-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', to);
  await expect(page.locator('[data-ready="true"]').first()).toBeVisible();
}

test('the whole app in English, remembered per device, and back to Japanese', async ({ page }) => {
  test.setTimeout(240_000);
  // Its own endpoint: the town enrolled here is not the other tests' town.
  const server = await new TestServer(PORT + 26).start();
  try {
    await aDaysWork(page, `${server.base}/#/entry-log`, server.enrollmentCode());
    await walkInEnglish(page);
  } finally {
    await server.stop();
  }
});

/** The switch, every page and its outputs in English, a reload, and the switch back. */
async function walkInEnglish(page) {
  await tab(page, 'ホーム');
  await page.screenshot({ path: test.info().outputPath('ja-home.png'), fullPage: true });

  await switchLanguage(page, 'en');
  // The session and the page shown are kept across the switch.
  await expect(page.locator('nav.operator-bar .operator')).toHaveText(ADMIN.name);
  await expect(page.locator('.app-header .today')).toHaveText(/^\d{4}-\d{2}-\d{2}$/);
  const labels = await tabLabels(page);
  expect(labels).toHaveLength(PAGES_JA.length);
  for (const label of labels) expectEnglish(label, `the tab ${label}`);

  const found = {};
  for (const label of labels) {
    await tab(page, label);
    const text = await page.locator('.app-layer').innerText();
    expectEnglish(text, label);
    // Titles, labels of icons and hints a screen reader reads out.
    const attrs = await page.locator('.app-layer [title], .app-layer [aria-label], .app-layer [placeholder]').evaluateAll(
      (els) => els.map((e) => [e.getAttribute('title'), e.getAttribute('aria-label'), e.getAttribute('placeholder')].filter(Boolean).join(' ')),
    );
    expectEnglish(attrs.join(' | '), `${label}: attributes`);
    await page.screenshot({ path: test.info().outputPath(`en-${labels.indexOf(label)}.png`), fullPage: true });
    const { violations } = await new AxeBuilder({ page }).analyze();
    if (violations.length) found[label] = violations.map((v) => `${v.id}: ${v.nodes[0].target.join(' ')}`);
  }
  // The English screens are as accessible as the Japanese ones (axe.spec).
  expect(found).toEqual({});

  // A record's page and a room's history.
  await tab(page, labels[1]);
  await logRows(page).first().getByRole('link', { name: YAMADA.name }).click();
  await expect(page.locator('.history-event')).toHaveCount(3);
  expectEnglish(await page.locator('.app-layer').innerText(), 'a record');
  await tab(page, labels[4]);
  await page.locator('.rooms a.record-link').first().click();
  await expect(page.locator('[data-ready="true"]').first()).toBeVisible();
  expectEnglish(await page.locator('.app-layer').innerText(), "a room's history");

  // The entry logbook's CSV and printout are English too.
  await tab(page, labels[1]);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#entry_logbook-csv')]);
  // Named by the register's code (a title with a slash and Japanese is no file name).
  expect(download.suggestedFilename()).toMatch(/^entry_logbook_\d{8}\.csv$/);
  const csv = readFileSync(await download.path()).subarray(3).toString('utf8');
  const [header, ...lines] = csv.trimEnd().split('\r\n');
  expectEnglish(header, 'the CSV header');
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) expectEnglish(line, 'a CSV line');
  await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
  await page.evaluate(() => document.documentElement.setAttribute('data-printing', 'entry_logbook'));
  await page.emulateMedia({ media: 'print' });
  const heading = page.locator('.print-heading[data-what="entry_logbook"]');
  await expect(heading).toBeVisible();
  expectEnglish(await heading.innerText(), 'the printout heading');
  await expect(heading.locator('.print-covers')).toContainText('Yubetsu Town');
  await page.pdf({ path: test.info().outputPath('en-entry_logbook.pdf'), format: 'A4' });
  await page.emulateMedia({ media: 'screen' });
  await page.evaluate(() => document.documentElement.removeAttribute('data-printing'));

  // Refusals read in English, naming the article: an entry without the permission and the key,
  // and a report submitted before its period has ended (the draft generated in English).
  await tab(page, labels[1]);
  await chooseRoom(page, '電算室');
  await page.selectOption('#entry-person', { label: `${SATO.name} (${SATO.affiliation})` });
  await page.fill('#entry-purpose', 'Maintenance');
  await page.click('#record-entry');
  const refused = page.locator('[role="alert"]').first();
  await expect(refused).toContainText('Article 17(2)');
  expectEnglish(await page.locator('.app-layer').innerText(), 'a refused entry');
  await tab(page, labels[9]);
  const room = await page.locator('#report-room option', { hasText: '住民窓口' }).getAttribute('value');
  await page.selectOption('#report-room', room);
  await page.selectOption('#report-period', `${thisMonth()}-01`);
  await page.click('#report-generate');
  await expect(page.locator('.report-figures [data-figure="entries"]')).toHaveText('1 (people: 1)');
  await page.fill('#report-remarks', 'Nothing to add');
  await page.click('#report-submit');
  await expect(page.locator('.report-draft .form-error')).toContainText('Article 20');
  expectEnglish(await page.locator('.app-layer').innerText(), 'a report draft refused');

  // Remembered on this device: a reload stays English.
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.locator('[data-ready="true"]').first()).toBeVisible();
  expectEnglish(await page.locator('.app-layer').innerText(), 'after a reload');

  // And back: Japanese again, with 和暦.
  await switchLanguage(page, 'ja');
  await expect(page.locator('.app-header .today')).toContainText('令和');
  expect(await tabLabels(page)).toEqual(PAGES_JA);
  for (const [i, name] of PAGES_JA.entries()) {
    await tab(page, name);
    await page.screenshot({ path: test.info().outputPath(`ja-${i}.png`), fullPage: true });
  }
}
