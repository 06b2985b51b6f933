// Every register leaves the screen as CSV (UTF-8 with a BOM, headers in Japanese, names and
// labels, never ids) and as an A4 printout with its title, what it covers, the town and the
// day printed; each export and print is in the operation history (第12条). The printouts are
// also saved as PDF under test-results/ to be looked at by eye.
import { test, expect } from '@playwright/test';
import {
  ADMIN, SATO, SERVER_ROOM, YAMADA, chooseRoom, counterTown, csvOf, defineServerKey, enterWhileInside, grantPermission,
  option, recordEntry, recordTenure, storedEvents, submitLoan, tab,
} from './helpers.mjs';
import { fillAgenda, recordMeeting } from './general-manager.mjs';

/** A day as the registers write it: 令和8年12月6日 (today's, where the form defaults to today). */
const WAREKI_DAY = '令和\\d+年\\d+月\\d+日';

/** Prints register `what` from its button, then to a PDF (A4), and checks its heading (and
 *  what `onPaper` checks of the printed page). */
async function printOf(page, what, title, covers, onPaper = async () => {}) {
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
  // As the browser does when it starts printing (the app marks the cells to keep whole then).
  await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
  await page.emulateMedia({ media: 'print' });
  const heading = page.locator(`.print-heading[data-what="${what}"]`);
  await expect(heading).toBeVisible();
  await expect(heading.locator('.print-title')).toHaveText(title);
  await expect(heading.locator('.print-covers')).toContainText(covers);
  await expect(heading.locator('.print-covers')).toContainText('湧別町');
  await expect(heading.locator('.print-covers')).toContainText('令和');
  // Only this register's card prints: no form, no other card.
  await expect(page.locator('main form:visible')).toHaveCount(0);
  await onPaper();
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

  // The office registers are printed with rows in them, recorded as a user would: an empty
  // table would show nothing of the printed layout.

  // 例外: 山田 and 佐藤 are inside 住民窓口 when their entry into a second counter is recorded;
  // the door warns first, the clerk confirms, and each entry is raised as an exception
  // (第19条第1項). The counter's entry manager (ADMIN) records how 佐藤's was dealt with, so
  // the 処置 column shows a handling beside one still 未処置.
  const SECOND_COUNTER = '中湧別出張所 窓口';
  await tab(page, '室・鍵');
  await page.fill('#room-name', SECOND_COUNTER);
  await page.fill('#room-place', '中湧別出張所');
  await page.selectOption('#room-level', '1');
  await page.click('#save-room');
  await expect(page.locator('.room-form .status')).toContainText(`${SECOND_COUNTER}を記録しました`);
  for (const who of [SATO, YAMADA]) await grantPermission(page, who, `${SECOND_COUNTER}（レベル1）`);
  await tab(page, '入退室管理簿');
  await chooseRoom(page, '住民窓口');
  await recordEntry(page, YAMADA);
  await chooseRoom(page, SECOND_COUNTER);
  for (const who of [SATO, YAMADA]) await enterWhileInside(page, who);
  const HANDLING = '本人に確認し、住民窓口の退室の記録漏れと判明。記録の徹底を指導した';
  await tab(page, '例外');
  await expect(page.locator('tr.rule-break')).toHaveCount(2);
  const satoBreak = page.locator('tr.rule-break', { hasText: SATO.name });
  await satoBreak.getByRole('button', { name: '処置を記録' }).click();
  await page.fill('#break-handling', HANDLING);
  await page.click('#break-handle');
  await expect(page.locator('.rule-breaks-page .status')).toContainText('例外の処置を記録しました');
  await expect(satoBreak).toHaveAttribute('data-handled', 'true');

  // セキュリティ会議 (ADMIN is 副町長, so セキュリティ総括責任者): a June meeting with two
  // members, two agenda items and a consultation of the review board still unanswered, and a
  // November one from the helper.
  const JUNE = { date: '2026-06-10', place: '上湧別庁舎 第1会議室' };
  const NOVEMBER = {
    date: '2026-11-20',
    place: '湧別庁舎 会議室',
    agenda: [
      { category: 'compliance', title: '鍵の管理状況', discussion: '鍵の管理簿を確認', decision: '保管方法を見直す' },
    ],
  };
  await tab(page, 'セキュリティ会議');
  await page.fill('#meeting-date', JUNE.date);
  await page.fill('#meeting-place', JUNE.place);
  for (const who of [YAMADA, SATO]) await page.locator('#meeting-members').getByLabel(option(who).label).check();
  await fillAgenda(page, 0, {
    category: 'measures', title: 'パスワード管理の見直し', discussion: '変更周期を検討', decision: '90日ごとに変更する',
  });
  await fillAgenda(page, 1, {
    category: 'compliance', title: '入退室管理の遵守状況', discussion: '5月分の管理簿を確認', decision: '問題なし',
  });
  await page.click('#add-consultation');
  await page.locator('.consultation-asked').fill(JUNE.date);
  await page.locator('.consultation-subject').fill('業務委託先への本人確認情報の提供');
  await page.click('#record-meeting');
  await expect(page.locator('.meeting-form .status')).toContainText('会議を記録しました');
  await recordMeeting(page, NOVEMBER);
  await expect(page.locator('tr[data-meeting]')).toHaveCount(2);

  // 指示・依頼 (第7条・第20条): an instruction to 山田 from the November meeting, on which
  // ADMIN reports; and a request to a committee from a report, already past its due date.
  const INSTRUCTED = '電算室の鍵の保管方法を見直すこと';
  const REQUESTED = '教育委員会の端末の設置場所を報告されたい';
  await tab(page, '指示・依頼');
  await page.selectOption('#instruction-head', option(YAMADA));
  await page.fill('#instruction-content', INSTRUCTED);
  await page.fill('#instruction-due', '2027-03-31');
  await page.selectOption('#instruction-meeting', { label: `令和8年11月20日の会議（${NOVEMBER.place}）` });
  await page.click('#issue-instruction');
  await expect(page.locator('tr[data-instruction]')).toHaveCount(1);
  await page.selectOption('#instruction-addressee-kind', 'committee');
  await page.fill('#instruction-committee', '教育委員会');
  await page.fill('#instruction-content', REQUESTED);
  await page.fill('#instruction-issued-on', '2026-10-05');
  await page.fill('#instruction-due', '2026-10-31');
  await page.selectOption('#instruction-basis-kind', 'report');
  await page.fill('#instruction-report-summary', '9月分の入退室管理報告（住民税務課長）');
  await page.click('#issue-instruction');
  await expect(page.locator('tr[data-instruction]')).toHaveCount(2);
  const instructed = page.locator('tr[data-instruction]', { hasText: INSTRUCTED });
  await instructed.getByRole('button', { name: '報告を記録' }).click();
  await page.fill('#report-text', '鍵箱を暗証番号式に更新しました');
  await page.click('#record-report');
  await expect(page.locator('.report-form .status')).toContainText('報告を記録しました');
  await expect(instructed).toHaveAttribute('data-status', 'reported');

  // ID管理簿 (第10条; ADMIN is 住民税務課長, so アクセス管理責任者): a kind of 操作者ID and two
  // 操作者IDs of it; on the second ledger, two 照合IDs (照合情報 not registered: that needs
  // the holder's authenticator).
  await tab(page, 'ID管理簿');
  await page.fill('#kind-name', '住基照会');
  await page.fill('#kind-permits', '本人確認情報の照会');
  await page.click('#define-kind');
  await expect(page.locator('.kind-form .status')).toContainText('操作者IDの種類を登録しました');
  for (const [id, who] of [['OP-001', ADMIN], ['OP-002', YAMADA]]) {
    await page.fill('#operator-id', id);
    await page.selectOption('#operator-person', option(who));
    await page.selectOption('#operator-kind', { label: '住基照会' });
    await page.click('#record-operator-line');
    await expect(page.locator(`table.id-list[data-ledger="operator"] tr[data-id="${id}"]`)).toBeVisible();
  }
  await page.click('#tab-collation-ledger');
  for (const [id, who] of [['C-001', ADMIN], ['C-002', SATO]]) {
    await page.fill('#collation-id', id);
    await page.selectOption('#collation-person', option(who));
    await page.click('#record-collation-line');
    await expect(page.locator(`table.id-list[data-ledger="collation"] tr[data-id="${id}"]`)).toBeVisible();
  }

  // 情報資産 (第13–15条; ADMIN manages both categories, as 住民税務課長 and 総務課長): personal
  // data with 佐藤 designated as its handler, and a terminal with a measure against theft.
  const IDENTITY = {
    category: '本人確認情報', name: '住民基本台帳ファイル', location: '上湧別庁舎 電算室', method: 'サーバ内に暗号化して保管',
  };
  const TERMINAL = { category: 'ハードウェア', name: '業務端末（福祉課）', location: '福祉課 住民窓口', method: '台帳で所在を管理' };
  await tab(page, '情報資産');
  for (const asset of [IDENTITY, TERMINAL]) {
    await page.selectOption('#asset-category', { label: asset.category });
    await page.fill('#asset-name', asset.name);
    await page.fill('#asset-location', asset.location);
    await page.fill('#asset-method', asset.method);
    await page.click('#register-asset');
    await expect(page.locator('tr[data-asset]', { hasText: asset.name })).toBeVisible();
  }
  await page.selectOption('#designation-asset', { label: `${IDENTITY.name}（${IDENTITY.category}）` });
  await page.selectOption('#designation-person', option(SATO));
  await page.fill('#designation-from', '2026-04-01');
  await page.click('#designate-handler');
  await expect(page.locator('.designation-form .status')).toContainText('取扱者を指定しました');
  await page.selectOption('#measure-asset', { label: `${TERMINAL.name}（${TERMINAL.category}）` });
  await page.fill('#measure-text', 'ワイヤーロックで机に固定');
  await page.click('#record-measure');
  await expect(page.locator('.measure-form .status')).toContainText('措置を記録しました');

  // Each office register under its own header, every line as long as it; printed to a PDF.
  const registers = [
    ['職と役割', 'terms', '職と任期', ['職', '担当者', '所属', '就任', '退任', '役割（本日）']],
    ['機器', 'equipment', 'アクセス管理の対象機器', ['区分', '名称', '設置場所']],
    ['情報資産', 'assets', '情報資産', ['名称', '区分', '保管場所', '管理方法', '管理責任者（本日）', '取扱者（第14条）', '措置（第15条）']],
    ['セキュリティ会議', 'meetings', 'セキュリティ会議の記録', ['開催日', '開催場所', '議長', '出席者', '審議事項（決定）', '審査会の意見']],
    ['指示・依頼', 'instructions', '指示・要請の一覧', ['指示日', '指示した人', '宛先', '内容', '期限', '根拠', '状況', '報告', '完了']],
    ['ID管理簿', 'operator_ids', '操作者ID管理簿', ['操作者ID', '操作者', '種類', '状態', '経過（承認者・日付）']],
    // The second ledger of ID管理簿, behind its own tab.
    ['ID管理簿', 'collation_ids', '照合ID管理簿', ['照合ID', '操作者', '照合情報', '状態', '経過（承認者・日付）'], '#tab-collation-ledger'],
    ['例外', 'rule_breaks', '例外', ['日時（和暦）', '日時（西暦 ISO）', '種別', '内容', '宛先', '処置']],
  ];
  const csv = {};
  for (const [tabName, what, title, header, ledgerTab] of registers) {
    await tab(page, tabName);
    if (ledgerTab) await page.click(ledgerTab);
    const rows = await csvOf(page, what);
    expect(rows[0], what).toEqual(header);
    for (const row of rows) expect(row, what).toHaveLength(header.length);
    await printOf(page, what, title, '', async () => {
      // On paper, a meeting's line is the register itself: who attended and what was decided.
      if (what !== 'meetings') return;
      const june = page.locator('tr[data-meeting]', { hasText: JUNE.place });
      await expect(june.locator('.attendees')).toBeVisible();
      await expect(june.locator('.attendees')).toContainText(YAMADA.name);
      await expect(june.locator('.attendees')).toContainText(SATO.name);
      await expect(june.locator('.decisions')).toHaveText(
        'パスワード管理の見直し（90日ごとに変更する）／入退室管理の遵守状況（問題なし）',
      );
      await expect(june.locator('.agenda-count .count')).toBeHidden();
    });
    csv[what] = rows;
  }
  const general = csv.terms.find((r) => r[0] === '総務課長');
  expect(general.slice(1, 4)).toEqual(['管理 一郎', '総務課', '令和6年4月1日']);
  expect(general[5]).toContain('入退室管理者（レベル3・2）');
  expect(csv.equipment.length).toBeGreaterThan(1);

  // 情報資産: the manager by role, position and name; the handler by name from its 和暦 day.
  const identity = csv.assets.find((r) => r[0] === IDENTITY.name);
  expect(identity).toEqual([
    IDENTITY.name, IDENTITY.category, IDENTITY.location, IDENTITY.method,
    `本人確認情報管理責任者（住民税務課長） ${ADMIN.name}`, `${SATO.name} 令和8年4月1日〜`, '',
  ]);
  const terminal = csv.assets.find((r) => r[0] === TERMINAL.name);
  expect(terminal.slice(0, 6)).toEqual([
    TERMINAL.name, TERMINAL.category, TERMINAL.location, TERMINAL.method,
    `情報資産管理責任者（本人確認情報等以外）（総務課長） ${ADMIN.name}`, '',
  ]);
  expect(terminal[6]).toMatch(new RegExp(`^ワイヤーロックで机に固定 ${WAREKI_DAY}$`));

  // セキュリティ会議: 和暦 days, the chair and members by name, each item with its decision.
  expect(csv.meetings).toHaveLength(3);
  const june = csv.meetings.find((r) => r[1] === JUNE.place);
  expect(june.slice(0, 3)).toEqual(['令和8年6月10日', JUNE.place, ADMIN.name]);
  expect(june[3].split('、').sort()).toEqual([SATO.name, YAMADA.name].sort());
  expect(june.slice(4)).toEqual([
    'パスワード管理の見直し（90日ごとに変更する）／入退室管理の遵守状況（問題なし）', '未着 1件 / 受領 0件',
  ]);
  expect(csv.meetings.find((r) => r[1] === NOVEMBER.place)).toEqual([
    '令和8年11月20日', NOVEMBER.place, ADMIN.name, '', '鍵の管理状況（保管方法を見直す）', '—',
  ]);

  // 指示・依頼: who issued and to whom by name, the meeting by its day and place, the report.
  expect(csv.instructions).toHaveLength(3);
  const instruction = csv.instructions.find((r) => r[3] === INSTRUCTED);
  expect(instruction[0]).toMatch(new RegExp(`^${WAREKI_DAY}$`));
  expect(instruction.slice(1, 3)).toEqual([ADMIN.name, `指示：${YAMADA.name}`]);
  expect(instruction.slice(4, 7)).toEqual(['令和9年3月31日', `令和8年11月20日の会議（${NOVEMBER.place}）`, '報告済み']);
  expect(instruction[7]).toMatch(new RegExp(`^${WAREKI_DAY} ${ADMIN.name}：鍵箱を暗証番号式に更新しました$`));
  expect(instruction[8]).toBe('');
  expect(csv.instructions.find((r) => r[3] === REQUESTED)).toEqual([
    '令和8年10月5日', ADMIN.name, '要請：教育委員会', REQUESTED, '令和8年10月31日',
    '報告：9月分の入退室管理報告（住民税務課長）', '未報告', '', '',
  ]);

  // ID管理簿: the holder by name, the kind by its name, each step with its 和暦 day and approver.
  const issued = new RegExp(`^発行 ${WAREKI_DAY} 承認: ${ADMIN.name}$`);
  expect(csv.operator_ids).toHaveLength(3);
  for (const [id, who] of [['OP-001', ADMIN], ['OP-002', YAMADA]]) {
    const line = csv.operator_ids.find((r) => r[0] === id);
    expect(line.slice(0, 4)).toEqual([id, who.name, '住基照会', '有効']);
    expect(line[4]).toMatch(issued);
  }
  expect(csv.collation_ids).toHaveLength(3);
  for (const [id, who] of [['C-001', ADMIN], ['C-002', SATO]]) {
    const line = csv.collation_ids.find((r) => r[0] === id);
    expect(line.slice(0, 4)).toEqual([id, who.name, '未登録', '有効']);
    expect(line[4]).toMatch(issued);
  }

  // 例外: the moment in 和暦 and ISO, what happened with the person and room by name, the
  // addressees by role and name, and the handling by its day and who recorded it.
  expect(csv.rule_breaks).toHaveLength(3);
  for (const who of [SATO, YAMADA]) {
    const line = csv.rule_breaks.find((r) => r[3].includes(`（${who.name}・${SECOND_COUNTER}）`));
    expect(line[0]).toMatch(new RegExp(`^${WAREKI_DAY} \\d\\d:\\d\\d$`));
    expect(line[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$/);
    expect(line[2]).toBe('entry_while_inside');
    expect(line[3]).toContain('第19条第1項');
    expect(line[4]).toContain(`入退室管理者（レベル1）（${ADMIN.name}）`);
    expect(line[4]).toContain(`セキュリティ総括責任者（${ADMIN.name}）`);
    const handled = new RegExp(`^${WAREKI_DAY} ${ADMIN.name}：${HANDLING}$`);
    if (who === SATO) expect(line[5]).toMatch(handled);
    else expect(line[5]).toBe('未処置');
  }

  // Each of these exports and prints is in the history.
  const whats = (await storedEvents(page))
    .filter((e) => ['exported', 'printed'].includes(e.kind))
    .map((e) => `${e.kind}:${e.payload.what}`);
  for (const [, what] of registers) {
    expect(whats).toContain(`exported:${what}`);
    expect(whats).toContain(`printed:${what}`);
  }
});

/** What keyTown adds to counterTown: 総務課長 and 副町長, the server room's permission and key. */
async function keyTownExtras(page) {
  await recordTenure(page, '総務課長', ADMIN);
  await recordTenure(page, '副町長', ADMIN);
  await grantPermission(page, YAMADA, SERVER_ROOM);
  await defineServerKey(page);
}

