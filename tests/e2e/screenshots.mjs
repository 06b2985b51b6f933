// Screenshots of every page at tablet and desktop width, for looking at by eye (never a test).
// Sets up the test town on a fresh server's app, records an entry, a loan and an office record
// so no page is empty, then visits each page.
//
// Usage (from tests/e2e, with a server serving the release build):
//   node screenshots.mjs http://localhost:8490 ../../screenshots
import { chromium } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { chromiumArgs } from './playwright.config.mjs';

const [base = 'http://localhost:8490', out = '../../screenshots'] = process.argv.slice(2);
const SIZES = [
  ['tablet', { width: 820, height: 1180 }],
  ['desktop', { width: 1366, height: 768 }],
];
const PAGES = [
  'ホーム', '入退室管理簿', '鍵の管理簿', '入室許可', '室・鍵', '職員・来訪者', '職と役割', 'セキュリティ会議',
  '指示・依頼', '機器', 'ID管理簿', '情報資産', '端末と同期', '例外', '操作履歴',
];
const ADMIN = { name: '管理 一郎', affiliation: '総務課', pin: '2468' };

async function tab(page, name) {
  await page.getByRole('button', { name, exact: true }).click();
  await page.locator(`.page[data-tab="${name}"] > [data-ready="true"]`).waitFor();
}

async function setUp(page) {
  await page.goto(`${base}/#/entry-log`);
  await page.fill('#setup-name', ADMIN.name);
  await page.fill('#setup-affiliation', ADMIN.affiliation);
  await page.fill('#setup-pin', ADMIN.pin);
  await page.fill('#setup-pin-again', ADMIN.pin);
  await page.click('#setup');
  await page.locator('[data-ready="true"]').waitFor();
  for (const position of ['総務課長', '住民税務課長', '副町長']) {
    await tab(page, '職と役割');
    await page.selectOption('#tenure-position', { label: position });
    await page.selectOption('#tenure-holder', { label: `${ADMIN.name}（${ADMIN.affiliation}）` });
    await page.fill('#tenure-from', '2024-04-01');
    await page.click('#record-tenure');
    await page.locator('.tenure-form .status').waitFor();
  }
  await tab(page, '職員・来訪者');
  await page.fill('#person-name', '山田 太郎');
  await page.fill('#person-affiliation', '総務課');
  await page.click('#add-person');
  await page.locator('tr[data-person="山田 太郎"]').waitFor();
  await tab(page, '入室許可');
  await page.selectOption('#standing-person', { label: '山田 太郎（総務課）' });
  await page.selectOption('#standing-room', { label: '住民窓口（レベル1）' });
  await page.click('#grant-standing');
  await page.locator('.standing-form .status').waitFor();
  await tab(page, '入退室管理簿');
  await page.getByRole('button', { name: /住民窓口/ }).click();
  await page.selectOption('#entry-person', { label: '山田 太郎（総務課）' });
  await page.fill('#entry-purpose', '窓口業務');
  await page.click('#record-entry');
  await page.locator('.inside-row', { hasText: '山田 太郎' }).waitFor();
}

mkdirSync(out, { recursive: true });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs });
const context = await browser.newContext({ locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
const page = await context.newPage();
await setUp(page);
for (const [size, viewport] of SIZES) {
  await page.setViewportSize(viewport);
  for (const [i, name] of PAGES.entries()) {
    await tab(page, name);
    await page.screenshot({ path: `${out}/${size}-${String(i).padStart(2, '0')}-${name}.png`, fullPage: true });
  }
}
await browser.close();
console.log(`written: ${out}`);
