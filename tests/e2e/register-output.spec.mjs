// Every register leaves the screen as CSV (UTF-8 with a BOM, headers in Japanese, names and
// labels, never ids) and as an A4 printout with its title, what it covers, the town and the
// day printed; each export and print is in the operation history (第12条). The printouts are
// also saved as PDF under test-results/ to be looked at by eye.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import {
  ADMIN, SATO, SERVER_ROOM, YAMADA, chooseRoom, counterTown, defineServerKey, grantPermission, recordEntry,
  recordTenure, storedEvents, submitLoan, tab,
} from './helpers.mjs';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** Downloads the CSV of register `what`: its lines, split into cells. */
async function csvOf(page, what) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#${what}-csv`)]);
  const bytes = readFileSync(await download.path());
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = bytes.subarray(3).toString('utf8');
  expect(text).not.toMatch(UUID);
  const lines = text.trimEnd().split('\r\n');
  return lines.map((line) => line.slice(1, -1).split('","'));
}

/** Prints register `what` from its button, then to a PDF (A4), and checks its heading. */
async function printOf(page, what, title, covers) {
  // The print dialog would block a headless run: the app's call, and what it marked for the
  // print stylesheet, are what is tested; the PDF is printed with the same mark.
  await page.evaluate(() => {
    window.print = () => {
      window.printedRegister = document.documentElement.getAttribute('data-printing');
    };
  });
  await page.click(`#${what}-print`);
  await expect.poll(() => page.evaluate(() => window.printedRegister)).toBe(what);
  await expect(page.locator('html')).not.toHaveAttribute('data-printing');
  await page.evaluate((w) => document.documentElement.setAttribute('data-printing', w), what);
  await page.emulateMedia({ media: 'print' });
  const heading = page.locator(`.print-heading[data-what="${what}"]`);
  await expect(heading).toBeVisible();
  await expect(heading.locator('.print-title')).toHaveText(title);
  await expect(heading.locator('.print-covers')).toContainText(covers);
  await expect(heading.locator('.print-covers')).toContainText('湧別町');
  await expect(heading.locator('.print-covers')).toContainText('令和');
  // Only this register's card prints: no form, no other card.
  await expect(page.locator('main form:visible')).toHaveCount(0);
  await page.pdf({ path: test.info().outputPath(`${what}.pdf`), format: 'A4' });
  await page.emulateMedia({ media: 'screen' });
  await page.evaluate(() => document.documentElement.removeAttribute('data-printing'));
}

test('each register exports its CSV with names and prints on A4 with its heading', async ({ page }) => {
  await counterTown(page, [YAMADA, SATO]);

  await tab(page, '職員・来訪者');
  const people = await csvOf(page, 'people');
  expect(people[0]).toEqual(['氏名', '所属', '区分', '職（本日）', '暗証番号']);
  expect(people).toContainEqual([YAMADA.name, YAMADA.affiliation, '職員', '', '未設定']);
  await expect(page.locator('#people-csv ~ .status')).toContainText(`${people.length - 1}件をCSVで書き出しました`);
  await printOf(page, 'people', '職員・来訪者', '職員・来訪者すべて');

  await tab(page, '室・鍵');
  const rooms = await csvOf(page, 'rooms');
  expect(rooms[0][0]).toBe('室');
  expect(rooms).toHaveLength(4);
  const counter = rooms.find((r) => r[0] === '住民窓口');
  expect(counter.slice(1, 5)).toEqual(['レベル1', counter[2], '入退室管理者（レベル1）', '管理 一郎']);
  expect(counter[6]).toBe('規程どおり');
  await printOf(page, 'rooms', '室の一覧', 'すべての室');

  await tab(page, '入室許可');
  const permits = await csvOf(page, 'permits');
  expect(permits[0]).toEqual(['許可された人', '所属', '室', '期間', '許可した人', '取消']);
  const yamada = permits.find((r) => r[0] === YAMADA.name);
  expect(yamada.slice(1, 3)).toEqual([YAMADA.affiliation, '住民窓口']);
  expect(yamada[3]).toMatch(/^令和\d+年\d+月\d+日/);
  expect(yamada[4]).toBe('管理 一郎');
  await printOf(page, 'permits', '入室許可の一覧', 'すべての室・有効なもの');

  // Each export and print is in the history, with the register's name.
  const acts = (await storedEvents(page)).filter((e) => ['exported', 'printed'].includes(e.kind));
  const whats = acts.map((e) => `${e.kind}:${e.payload.what}`);
  for (const what of ['people', 'rooms', 'permits']) {
    expect(whats).toContain(`exported:${what}`);
    expect(whats).toContain(`printed:${what}`);
  }
  const exported = acts.find((e) => e.kind === 'exported' && e.payload.what === 'permits');
  expect(exported.payload.rows).toBe(permits.length - 1);
  expect(exported.payload.filter).toBe('すべての室・有効なもの');
});

test('the logbooks and the office registers export and print the same way', async ({ page }) => {
  await counterTown(page, [YAMADA, SATO]);
  await keyTownExtras(page);
  await submitLoan(page, YAMADA);
  await expect(page.locator('.lend-form .status')).toContainText('貸出を記録しました');
  await tab(page, '入退室管理簿');
  await chooseRoom(page, '住民窓口');
  await recordEntry(page, SATO);

  // The key logbook: the key by its label, people by name, 和暦 times.
  await tab(page, '鍵の管理簿');
  const loans = await csvOf(page, 'key_logbook');
  expect(loans[0]).toEqual(['鍵', '貸出先', '目的', '貸出日時', '貸出者', '返却予定', '返却日時', '受領者', '備考']);
  expect(loans).toHaveLength(2);
  expect(loans[1].slice(0, 3)).toEqual(['電算室 1号鍵', YAMADA.name, 'サーバ点検']);
  expect(loans[1][3]).toMatch(/^令和\d+年/);
  expect(loans[1][4]).toBe('管理 一郎');
  expect(loans[1][6]).toBe('貸出中');
  await printOf(page, 'key_logbook', '鍵の管理簿', '新しい順');

  // The entry logbook: every line of the filter (not the page shown), the room by name.
  await tab(page, '入退室管理簿');
  const lines = await csvOf(page, 'entry_logbook');
  expect(lines[0]).toEqual(['入室', '退室', '室', '氏名', '所属', '目的', '同行者', '名札', '記録者', '訂正・取消']);
  expect(lines).toHaveLength(2);
  expect(lines[1].slice(1, 5)).toEqual(['入室中', '住民窓口', SATO.name, SATO.affiliation]);
  expect(lines[1][8]).toBe('管理 一郎');
  await printOf(page, 'entry_logbook', '入退室管理簿', '住民窓口');

  // The office registers, each under its own header; those still empty carry the header only.
  const registers = [
    ['職と役割', 'terms', '職と任期', ['職', '担当者', '所属', '就任', '退任', '役割（本日）']],
    ['機器', 'equipment', 'アクセス管理の対象機器', ['区分', '名称', '設置場所']],
    ['情報資産', 'assets', '情報資産', ['名称', '区分', '保管場所', '管理方法', '管理責任者（本日）', '取扱者（第14条）', '措置（第15条）']],
    ['セキュリティ会議', 'meetings', 'セキュリティ会議の記録', ['開催日', '開催場所', '議長', '出席者', '審議事項（決定）', '審査会の意見']],
    ['指示・依頼', 'instructions', '指示・要請の一覧', ['指示日', '指示した人', '宛先', '内容', '期限', '根拠', '状況', '報告', '完了']],
    ['ID管理簿', 'operator_ids', '操作者ID管理簿', ['操作者ID', '操作者', '種類', '状態', '経過（承認者・日付）']],
    ['例外', 'rule_breaks', '例外', ['日時（和暦）', '日時（西暦 ISO）', '種別', '内容', '宛先']],
  ];
  for (const [tabName, what, title, header] of registers) {
    await tab(page, tabName);
    const rows = await csvOf(page, what);
    expect(rows[0], what).toEqual(header);
    for (const row of rows) expect(row, what).toHaveLength(header.length);
    await printOf(page, what, title, '');
  }
  await tab(page, '職と役割');
  const terms = await csvOf(page, 'terms');
  const general = terms.find((r) => r[0] === '総務課長');
  expect(general.slice(1, 4)).toEqual(['管理 一郎', '総務課', '令和6年4月1日']);
  expect(general[5]).toContain('入退室管理者（レベル3・2）');
  await tab(page, '機器');
  const equipment = await csvOf(page, 'equipment');
  expect(equipment.length).toBeGreaterThan(1);
});

/** What keyTown adds to counterTown: 総務課長 and 副町長, the server room's permission and key. */
async function keyTownExtras(page) {
  await recordTenure(page, '総務課長', ADMIN);
  await recordTenure(page, '副町長', ADMIN);
  await grantPermission(page, YAMADA, SERVER_ROOM);
  await defineServerKey(page);
}
