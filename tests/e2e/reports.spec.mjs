// 第20条: the entry manager generates the month's report of a room from the registers,
// reviews it, adds remarks and submits it; it cannot change after, a correction is a new
// version. The general manager's view shows which rooms' reports for last month are in and
// which are missing. A report of a month not yet ended, or of another manager's room, is
// refused naming the article; nothing is stored.
import { test, expect } from '@playwright/test';
import {
  ADMIN, SATO, SERVER_ROOM, YAMADA, addBranchCounter, chooseRoom, counterTown, csvOf, defineServerKey, enterWhileInside,
  eventCount, grantPermission, option, recordEntry, recordTenure, signIn, storedEvents, submitLoan, tab,
} from './helpers.mjs';

const thisMonth = () => {
  const now = new Date(new Date().toLocaleString('en-US', { timeZone: 'Asia/Tokyo' }));
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
};

test('an entry manager generates, reviews and submits a month report; missing ones are flagged', async ({ page }) => {
  test.setTimeout(90_000);
  await counterTown(page, [YAMADA, SATO]);
  await chooseRoom(page, '住民窓口');
  await recordEntry(page, YAMADA);

  await tab(page, '報告');
  const states = page.locator('tr.report-state');
  await expect(states).toHaveCount(3);
  await expect(page.locator('tr.report-state.missing')).toHaveCount(3);

  // This month's figures come from the registers; it has not ended, so it is not submitted.
  await page.selectOption('#report-room', { label: '住民窓口（レベル1）' });
  await page.selectOption('#report-period', `${thisMonth()}-01`);
  await page.click('#report-generate');
  const figures = page.locator('.report-figures');
  await expect(figures.locator('[data-figure="entries"]')).toHaveText('1件（1人）');
  await expect(figures.locator('[data-figure="without_exit"]')).toHaveText('1件');
  await page.fill('#report-remarks', '特記事項なし');
  const before = await eventCount(page);
  await page.click('#report-submit');
  const refusal = page.locator('.report-draft .form-error');
  await expect(refusal).toContainText('期間が終わってから');
  await expect(refusal).toContainText('第20条');
  expect(await eventCount(page)).toBe(before);

  // Last month's report (the default month): reviewed, remarked on, submitted.
  await page.reload();
  await tab(page, '報告');
  await page.selectOption('#report-room', { label: '住民窓口（レベル1）' });
  await page.click('#report-generate');
  await expect(figures.locator('[data-figure="entries"]')).toHaveText('0件（0人）');
  await expect(figures.locator('[data-figure="measures"]')).toHaveText('なし');
  await page.fill('#report-remarks', '入退室に異常はありませんでした。');
  await page.click('#report-submit');
  await expect(page.locator('.report-draft .status')).toContainText('報告を提出しました');
  const counter = page.locator('tr.report-state[data-room="default-level-1"]');
  await expect(counter).not.toHaveClass(/missing/);
  await expect(counter.locator('.state')).toContainText('提出済み');
  await expect(page.locator('tr.report-state.missing')).toHaveCount(2);

  // A correction is a new version naming the first; both stay.
  await expect(page.locator('#report-submit')).toHaveText('訂正版を提出');
  await page.fill('#report-remarks', '入退室に異常はありませんでした。鍵の貸出しもありません。');
  await page.click('#report-submit');
  await expect(page.locator('tr.report')).toHaveCount(2);
  await expect(page.locator('tr.report').filter({ hasText: '訂正版' })).toHaveCount(1);
  await expect(page.locator('tr.report').filter({ hasText: '初版' })).toHaveAttribute('data-state', '新しい版に置換');
  const reports = (await storedEvents(page)).filter((e) => e.kind === 'report_submitted');
  expect(reports).toHaveLength(2);
  expect(reports[1].payload.supersedes).toBe(`${reports[0].device}:${reports[0].seq}`);
  expect(reports[0].payload.remarks).toBe('入退室に異常はありませんでした。');

  // Another room's report is its own entry manager's (総務課長, not recorded here).
  await page.selectOption('#report-room', { label: '電算室（サーバ室）（レベル2）' });
  await page.click('#report-generate');
  await page.fill('#report-remarks', '代わりに提出');
  const beforeOther = await eventCount(page);
  await page.click('#report-submit');
  await expect(page.locator('.report-draft .form-error')).toContainText('第20条');
  expect(await eventCount(page)).toBe(beforeOther);

  // The reports leave as CSV like every register: a line a version, names and words, no ids.
  const csv = await csvOf(page, 'reports');
  expect(csv[0]).toEqual([
    '期間', '室', '提出日', '提出者', '入室', '退室の記録がない入室', '来訪者の入室', '鍵の貸出し',
    '返却遅れ・未返却', '例外', '所見', '版', '状況', '確認・調査',
  ]);
  expect(csv).toHaveLength(3);
  const [first, corrected] = ['初版', '訂正版'].map((v) => csv.find((r) => r[11] === v));
  const period = await reportPeriodLabel(page);
  expect(corrected.slice(0, 2)).toEqual([period, '住民窓口']);
  expect(corrected[2]).toMatch(/^令和\d+年\d+月\d+日$/);
  expect(corrected[3]).toContain(ADMIN.name);
  expect(corrected.slice(4, 11)).toEqual([
    '0件（0人）', '0件', '0件', '0件', '0件・0件', 'なし', '入退室に異常はありませんでした。鍵の貸出しもありません。',
  ]);
  expect(first[10]).toBe('入退室に異常はありませんでした。');
  expect(first[12]).toBe('新しい版に置換');

  // The general manager (副町長) sees it arrive, unreviewed, beside last month's missing ones.
  await recordTenure(page, '副町長', ADMIN);
  await tab(page, '報告');
  const glance = (key) => page.locator(`.glance-item[data-glance="${key}"]`);
  await expect(glance('missing')).toHaveAttribute('data-count', '2');
  await expect(glance('unreviewed')).toHaveAttribute('data-count', '1');

  // Findings, and an investigation: who, what, until when.
  const latest = page.locator('tr.report').filter({ hasText: '訂正版' });
  await latest.getByRole('button', { name: '確認を記録' }).click();
  await page.fill('#review-findings', '来訪者の入室の記録方法を確かめる必要がある');
  await page.check('#review-investigate');
  await page.selectOption('#review-investigator', option(SATO));
  await page.fill('#review-subject', '来訪者の入室の記録方法');
  await page.fill('#review-until', '2099-12-31');
  await page.click('#record-review');
  await expect(page.locator('.review-form .status')).toContainText('確認を記録しました');
  await expect(latest).toHaveAttribute('data-state', '調査中');
  await expect(glance('investigating')).toHaveAttribute('data-count', '1');
  await expect(glance('unreviewed')).toHaveAttribute('data-count', '0');

  // An instruction issued from the report names it (指示・依頼, the existing register).
  await tab(page, '指示・依頼');
  await page.selectOption('#instruction-head', option(YAMADA));
  await page.fill('#instruction-content', '来訪者の入室は同行者を記録すること');
  await page.fill('#instruction-due', '2099-12-31');
  await page.selectOption('#instruction-basis-kind', 'report');
  await page.selectOption('#instruction-report', { label: `住民窓口 ${period}の報告（訂正版）` });
  await expect(page.locator('#instruction-report-summary')).not.toHaveValue('');
  await page.click('#issue-instruction');
  await expect(page.locator('.issue-form .status')).toContainText('指示・要請を記録しました');
  const [issued] = (await storedEvents(page)).filter((e) => e.kind === 'instruction_issued');
  expect(issued.payload.basis.report).toBe(`${reports[1].device}:${reports[1].seq}`);

  // The investigation's outcome; the instruction waits for its follow-up.
  await tab(page, '報告');
  await page.selectOption('#conclude-review', { index: 1 });
  await page.fill('#conclude-outcome', '同行者の欄が使われていなかった');
  await page.click('#record-conclusion');
  await expect(page.locator('.conclude-form .status')).toContainText('調査の結果を記録しました');
  await expect(latest).toHaveAttribute('data-state', '指示の措置待ち');

  // The follow-up is reported and the instruction closed: the loop is closed.
  await tab(page, '指示・依頼');
  const row = page.locator(`tr[data-instruction="${issued.device}:${issued.seq}"]`);
  await row.getByRole('button', { name: '報告を記録' }).click();
  await page.fill('#report-text', '窓口の手順書に同行者の記録を加えました');
  await page.click('#record-report');
  await expect(row).toHaveAttribute('data-status', 'reported');
  await row.getByRole('button', { name: '完了にする' }).click();
  await page.fill('#close-note', '手順書を確認した');
  await page.click('#record-close');
  await expect(row).toHaveAttribute('data-status', 'closed');
  await tab(page, '報告');
  await expect(latest).toHaveAttribute('data-state', '完了');
  await expect(latest).toContainText('結果：同行者の欄が使われていなかった');
  await page.screenshot({ path: test.info().outputPath('reports.png'), fullPage: true });

  // One report prints alone on one A4 page: the room and month, the figures, the remarks and
  // where it stands; the print is in the history.
  await page.evaluate(() => {
    window.print = () => {
      window.printedRegister = document.documentElement.getAttribute('data-printing');
    };
  });
  await latest.getByRole('button', { name: '印刷' }).click();
  await expect.poll(() => page.evaluate(() => window.printedRegister)).toBe('report');
  await page.evaluate(() => document.documentElement.setAttribute('data-printing', 'report'));
  await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
  await page.emulateMedia({ media: 'print' });
  const sheet = page.locator('.report-sheet');
  await expect(sheet).toBeVisible();
  await expect(sheet.locator('.print-title')).toHaveText('入退室管理者の報告（第20条）');
  await expect(sheet.locator('.print-covers')).toContainText(`住民窓口　${period}`);
  await expect(sheet).toContainText('状況：完了');
  await expect(sheet.locator('.remarks')).toHaveText('入退室に異常はありませんでした。鍵の貸出しもありません。');
  await expect(page.locator('.report-list')).toBeHidden();
  const pdf = await page.pdf({ path: test.info().outputPath('report.pdf'), format: 'A4' });
  expect(pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)).toHaveLength(1);
  await page.emulateMedia({ media: 'screen' });
  const printed = (await storedEvents(page)).filter((e) => e.kind === 'printed');
  expect(printed.at(-1).payload).toEqual({ what: 'report', period: `住民窓口 ${period}の報告（訂正版）` });

  // The list of reports prints as a register too (every version, where each stands).
  await page.evaluate(() => document.documentElement.removeAttribute('data-printing'));
  await page.click('#reports-print');
  await expect.poll(() => page.evaluate(() => window.printedRegister)).toBe('reports');
  await page.evaluate(() => document.documentElement.setAttribute('data-printing', 'reports'));
  await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('.print-heading[data-what="reports"] .print-title')).toHaveText('入退室管理者の報告の一覧');
  await expect(page.locator('.report-list tr.report')).toHaveCount(2);
  const list = await page.pdf({ path: test.info().outputPath('reports.pdf'), format: 'A4' });
  expect(list.toString('latin1').match(/\/Type\s*\/Page[^s]/g)).toHaveLength(1);
  await page.emulateMedia({ media: 'screen' });
});

/** Last month as the report list writes it: "令和8年11月1日〜令和8年11月30日". */
async function reportPeriodLabel(page) {
  return (await page.locator('tr.report').first().locator('td').first().innerText()).trim();
}

const pad = (n) => String(n).padStart(2, '0');

/** The next quarter of the fiscal year (Apr–Jun, Jul–Sep, Oct–Dec, Jan–Mar) in Japan: its
 *  first day, its second (no period starts there), and 1 April a year ago, as `YYYY-MM-DD`. */
function quarters() {
  const now = new Date(new Date().toLocaleString('en-US', { timeZone: 'Asia/Tokyo' }));
  const [y, m] = [now.getFullYear(), now.getMonth() + 1];
  const qm = m - (((m + 8) % 12) % 3);
  const [ny, nm] = qm < 10 ? [y, qm + 3] : [y + 1, qm - 9];
  return { next: `${ny}-${pad(nm)}-01`, notAStart: `${ny}-${pad(nm)}-02`, lastYear: `${y - 1}-04-01` };
}

// The entry manager records how an exception was dealt with (第18条第1項): the exception stays,
// the handling is beside it, the general manager's glance no longer counts it open, and the
// report states it. The general manager sets a quarterly cycle (第20条 names none): only from
// the start of a period, and the reports' periods follow it.
test('an exception is handled by its entry manager and stated in the report; the reporting cycle is set', async ({ page }) => {
  test.setTimeout(90_000);
  await counterTown(page, [YAMADA]);
  await addBranchCounter(page, YAMADA);
  await tab(page, '入退室管理簿');
  await chooseRoom(page, '住民窓口');
  await recordEntry(page, YAMADA);
  await chooseRoom(page, '中湧別出張所 窓口');
  await enterWhileInside(page, YAMADA);
  await recordTenure(page, '副町長', ADMIN);

  await tab(page, 'ホーム');
  await expect(page.locator('.breaks-notice')).toContainText('未処置の例外が1件');
  await tab(page, '報告');
  const glance = (key) => page.locator(`.glance-item[data-glance="${key}"]`);
  await expect(glance('breaks-week')).toHaveAttribute('data-count', '1');

  await tab(page, '例外');
  const raised = page.locator('tr.rule-break');
  await expect(raised).toHaveAttribute('data-handled', 'false');
  await expect(raised.locator('.handling')).toHaveText('未処置');
  await raised.getByRole('button', { name: '処置を記録' }).click();
  const before = await eventCount(page);
  await page.click('#break-handle');
  const refusal = page.locator('.rule-breaks-page .form-error');
  await expect(refusal).toContainText('処置の内容');
  await expect(refusal).toContainText('第18条第1項');
  expect(await eventCount(page)).toBe(before);
  const how = '住民窓口の退室の記録漏れ。本人に確かめ、退室時の記録を指導した';
  await page.fill('#break-handling', how);
  await page.click('#break-handle');
  await expect(page.locator('.rule-breaks-page .status')).toContainText('例外の処置を記録しました');
  await expect(raised).toHaveAttribute('data-handled', 'true');
  await expect(raised.locator('.handling')).toContainText(how);
  await expect(raised).toHaveAttribute('data-code', 'entry_while_inside');
  await expect(raised.getByRole('button', { name: '処置を追記' })).toBeVisible();
  const [handled] = (await storedEvents(page)).filter((e) => e.kind === 'break_handled');
  expect(handled.payload.how).toBe(how);
  expect(handled.payload.follows).toBeUndefined();

  // Home and the glance count it no longer; this period's report states it and its handling.
  await tab(page, 'ホーム');
  await expect(page.locator('.home')).toBeVisible();
  await expect(page.locator('.breaks-notice')).toHaveCount(0);
  await tab(page, '報告');
  await expect(glance('breaks-week')).toHaveAttribute('data-count', '0');
  await page.selectOption('#report-room', { label: '中湧別出張所 窓口（レベル1）' });
  await page.selectOption('#report-period', `${thisMonth()}-01`);
  await page.click('#report-generate');
  const exceptions = page.locator('.report-figures [data-figure="exceptions"]');
  await expect(exceptions).toContainText('第19条第1項');
  await expect(exceptions).toContainText(`【処置】`);
  await expect(exceptions).toContainText(how);

  // A quarterly cycle: refused from a day that starts no period, and from before the period in
  // force (the reports already in keep their periods); set from the next quarter's first day.
  const q = quarters();
  await expect(page.locator('.cycle-in-force')).toHaveAttribute('data-cycle', 'monthly');
  await page.selectOption('#report-cycle', 'quarterly');
  const beforeCycle = await eventCount(page);
  for (const [from, said] of [[q.notAStart, '期間の区切りの日'], [q.lastYear, '今の期間の初日より前']]) {
    await page.fill('#report-cycle-from', from);
    await page.click('#report-cycle-set');
    await expect(page.locator('.report-cycle .form-error')).toContainText(said);
    await expect(page.locator('.report-cycle .form-error')).toContainText('第20条');
  }
  expect(await eventCount(page)).toBe(beforeCycle);
  await page.fill('#report-cycle-from', q.next);
  await page.click('#report-cycle-set');
  await expect(page.locator('.report-cycle .status')).toContainText('報告の周期を');
  // Monthly until then; the change is shown beside it.
  await expect(page.locator('.cycle-in-force')).toHaveAttribute('data-cycle', 'monthly');
  await expect(page.locator('.cycle-upcoming')).toHaveAttribute('data-cycle', 'quarterly');
  await expect(page.locator('.cycle-upcoming')).toHaveAttribute('data-from', q.next);
  const [set] = (await storedEvents(page)).filter((e) => e.kind === 'report_cycle_set');
  expect(set.payload).toEqual({ cycle: 'quarterly', from: q.next });
});

/**
 * Moves the browser's clock on by days. A shared tablet left that long signs out by itself
 * (the idle watch ticks each second), so the clock is run on until it has, and the
 * administrator signs in again: without this the sign-out raced the next click.
 */
async function daysLater(page, when) {
  await page.clock.setSystemTime(when);
  await page.clock.runFor(2_000);
  await expect(page.locator('[data-screen="sign-in"]')).toBeVisible();
  await signIn(page, ADMIN);
  await expect(page.locator('[data-ready="true"]').first()).toBeVisible();
}

// The general manager's glance (第20条) counts what waits on someone, by how long it has
// waited: the browser's clock is set back to record an exception 40 days ago and another 15
// days ago, with a key lent then (due back that day) and an instruction due 5 days ago.
test('the glance counts exceptions not handled by age, keys overdue and instructions past due', async ({ page }) => {
  test.setTimeout(120_000);
  const DAY = 86_400_000;
  const now = Date.now();
  await page.clock.install({ time: new Date(now - 40 * DAY) });
  await counterTown(page, [YAMADA, SATO]);
  await addBranchCounter(page, YAMADA);
  await grantPermission(page, SATO, '中湧別出張所 窓口（レベル1）');
  await recordTenure(page, '副町長', ADMIN);
  await recordTenure(page, '総務課長', ADMIN);
  await grantPermission(page, YAMADA, SERVER_ROOM);
  await defineServerKey(page);
  /** `who` recorded in two rooms at once: an exception, raised now (by the browser's clock). */
  const insideTwoRooms = async (who) => {
    await tab(page, '入退室管理簿');
    await chooseRoom(page, '住民窓口');
    await recordEntry(page, who);
    await chooseRoom(page, '中湧別出張所 窓口');
    await enterWhileInside(page, who);
  };
  await insideTwoRooms(YAMADA);

  await daysLater(page, new Date(now - 15 * DAY));
  await insideTwoRooms(SATO);
  await submitLoan(page, YAMADA);
  await expect(page.locator('.lend-form .status')).toContainText('貸出を記録しました');
  const dueDay = new Date(now - 5 * DAY).toLocaleDateString('sv-SE', { timeZone: 'Asia/Tokyo' });
  await tab(page, '指示・依頼');
  await page.selectOption('#instruction-head', option(YAMADA));
  await page.fill('#instruction-content', '窓口の入退室の記録を徹底すること');
  await page.fill('#instruction-due', dueDay);
  await page.selectOption('#instruction-basis-kind', 'report');
  await page.fill('#instruction-report-summary', '住民窓口の入退室管理報告');
  await page.click('#issue-instruction');
  await expect(page.locator('.issue-form .status')).toContainText('指示・要請を記録しました');

  // Today: nothing of this week; one exception 8–30 days old, one older; the key and the
  // instruction late.
  await daysLater(page, new Date(now));
  await tab(page, '報告');
  const glance = (key) => page.locator(`.glance-item[data-glance="${key}"]`);
  await expect(glance('breaks-older')).toHaveAttribute('data-count', '1');
  await expect(glance('breaks-month')).toHaveAttribute('data-count', '1');
  await expect(glance('breaks-week')).toHaveAttribute('data-count', '0');
  await expect(glance('overdue-keys')).toHaveAttribute('data-count', '1');
  await expect(glance('past-due')).toHaveAttribute('data-count', '1');

  // Handled, the older exception leaves the glance; the other stays where its age puts it.
  await tab(page, '例外');
  const older = page.locator('tr.rule-break').filter({ hasText: YAMADA.name });
  await older.getByRole('button', { name: '処置を記録' }).click();
  await page.fill('#break-handling', '本人に確かめ、退室の記録を指導した');
  await page.click('#break-handle');
  await expect(page.locator('.rule-breaks-page .status')).toContainText('例外の処置を記録しました');
  await tab(page, '報告');
  await expect(glance('breaks-older')).toHaveAttribute('data-count', '0');
  await expect(glance('breaks-month')).toHaveAttribute('data-count', '1');
});
