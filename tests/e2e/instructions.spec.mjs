// 指示・依頼 (第7条, 第20条): the general manager instructs from a meeting's results; any staff
// member reports on it; the general manager closes it: open → reported → closed.
import { test, expect } from '@playwright/test';
import { ADMIN, addPerson, openApp, signIn, storedEvents, eventCount } from './helpers.mjs';
import { SATO, option, tab, makeGeneralManager, recordMeeting, ofKind, idOf } from './general-manager.mjs';

const CONTENT = '電算室の鍵の保管方法を見直すこと';
const REQUEST = '教育委員会の端末の設置場所を報告されたい';

async function issue(page, fill) {
  await fill();
  await page.click('#issue-instruction');
  await expect(page.locator('.issue-form .status')).toContainText('指示・要請を記録しました');
}

test('an instruction from a meeting is reported on and closed; the status filter works', async ({ page }) => {
  await openApp(page);
  await addPerson(page, SATO);
  await makeGeneralManager(page);
  await recordMeeting(page, {
    date: '2026-06-10',
    place: '上湧別庁舎 第1会議室',
    agenda: [{ category: 'compliance', title: '鍵の管理状況', discussion: '貸出簿を確認', decision: '保管方法を見直す' }],
  });
  const [meeting] = ofKind(await storedEvents(page), 'meeting_held');

  await tab(page, '指示・依頼');
  await expect(page.locator('.instructions-page[data-ready="true"]')).toBeVisible();
  // From the meeting: to a department head, due in the future.
  await issue(page, async () => {
    await page.selectOption('#instruction-head', option(SATO));
    await page.fill('#instruction-content', CONTENT);
    await page.fill('#instruction-due', '2099-03-31');
    await page.selectOption('#instruction-meeting', { label: '令和8年6月10日の会議（上湧別庁舎 第1会議室）' });
  });
  // From an entry manager's report (第20条): a request to a committee, already overdue.
  await issue(page, async () => {
    await page.selectOption('#instruction-addressee-kind', 'committee');
    await page.fill('#instruction-committee', '教育委員会');
    await page.fill('#instruction-content', REQUEST);
    await page.fill('#instruction-issued-on', '2026-01-05');
    await page.fill('#instruction-due', '2026-01-31');
    await page.selectOption('#instruction-basis-kind', 'report');
    await page.fill('#instruction-report-summary', '12月分の入退室管理報告（総務課長）');
  });

  const [issued, requested] = ofKind(await storedEvents(page), 'instruction_issued');
  expect(issued.payload).toMatchObject({
    addressee: { to: 'department_head' },
    content: CONTENT,
    due: '2099-03-31',
    basis: { from: 'meeting', meeting: idOf(meeting) },
    issued_by: issued.operator,
  });
  expect(requested.payload).toMatchObject({
    addressee: { to: 'committee', name: '教育委員会' },
    basis: { from: 'report', summary: '12月分の入退室管理報告（総務課長）' },
    issued_on: '2026-01-05',
  });

  const row = page.locator(`tr[data-instruction="${idOf(issued)}"]`);
  const overdue = page.locator(`tr[data-instruction="${idOf(requested)}"]`);
  await expect(row).toHaveAttribute('data-status', 'open');
  await expect(row.locator('.status-badge')).toHaveText('未報告');
  await expect(row.locator('.addressee')).toHaveText(`指示：${SATO.name}`);
  await expect(row.locator('a.basis-link')).toHaveAttribute('href', `#/record/${idOf(meeting)}`);
  await expect(row.locator('a.record-link')).toHaveAttribute('href', `#/record/${idOf(issued)}`);
  await expect(row).not.toHaveClass(/overdue/);
  await expect(overdue).toHaveClass(/overdue/);
  await expect(overdue.locator('.due')).toContainText('期限超過');
  await expect(overdue.locator('.addressee')).toHaveText('要請：教育委員会');

  // Sorted by due date (nearest first), or by the day issued (newest first).
  const rows = page.locator('tr[data-instruction]');
  await expect(rows.first()).toHaveAttribute('data-instruction', idOf(requested));
  await page.selectOption('#instruction-sort', 'issued');
  await expect(rows.first()).toHaveAttribute('data-instruction', idOf(issued));

  // Any staff member reports; only the general manager closes (第7条).
  await page.click('#sign-out');
  await signIn(page, SATO);
  await tab(page, '指示・依頼');
  await row.getByRole('button', { name: '報告を記録' }).click();
  await expect(page.locator('#report-instruction')).toHaveValue(idOf(issued));
  await page.fill('#report-text', '鍵箱を暗証番号式に更新しました');
  await page.click('#record-report');
  await expect(page.locator('.report-form .status')).toContainText('報告を記録しました');
  await expect(row).toHaveAttribute('data-status', 'reported');
  await expect(row.locator('.status-badge')).toHaveText('報告済み');
  await expect(row.locator('.reports')).toContainText(`${SATO.name}：鍵箱を暗証番号式に更新しました`);

  const count = await eventCount(page);
  await row.getByRole('button', { name: '完了にする' }).click();
  await page.click('#record-close');
  const refusal = page.locator('.close-form .form-error');
  await expect(refusal).toContainText('セキュリティ総括責任者だけ');
  await expect(refusal).toContainText('第7条');
  expect(await eventCount(page)).toBe(count);

  await page.click('#sign-out');
  await signIn(page, ADMIN);
  await tab(page, '指示・依頼');
  await row.getByRole('button', { name: '完了にする' }).click();
  await expect(page.locator('#close-instruction')).toHaveValue(idOf(issued));
  await page.fill('#close-note', '更新を現地で確認した');
  await page.click('#record-close');
  await expect(page.locator('.close-form .status')).toContainText('完了としました');
  await expect(row).toHaveAttribute('data-status', 'closed');
  await expect(row.locator('.status-badge')).toHaveText('完了');
  await expect(row.getByRole('button', { name: '報告を記録' })).toHaveCount(0);

  const events = await storedEvents(page);
  const [report] = ofKind(events, 'follow_up_reported');
  const [closed] = ofKind(events, 'instruction_closed');
  expect(report.payload).toMatchObject({ instruction: idOf(issued), reported_by: report.operator });
  expect(report.operator).not.toBe(closed.operator);
  expect(closed.payload).toMatchObject({ instruction: idOf(issued), note: '更新を現地で確認した' });

  // The filter by status.
  await page.selectOption('#instruction-status', 'open');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-instruction', idOf(requested));
  await page.selectOption('#instruction-status', 'closed');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-instruction', idOf(issued));
  await page.selectOption('#instruction-status', 'reported');
  await expect(rows).toHaveCount(0);
  await expect(page.locator('.instruction-list .empty')).toBeVisible();
  await page.selectOption('#instruction-status', '');
  await page.fill('#instruction-search', '教育委員会');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-instruction', idOf(requested));
});
