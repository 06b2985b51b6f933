// 第20条: the entry manager generates the month's report of a room from the registers,
// reviews it, adds remarks and submits it; it cannot change after, a correction is a new
// version. The general manager's view shows which rooms' reports for last month are in and
// which are missing. A report of a month not yet ended, or of another manager's room, is
// refused naming the article; nothing is stored.
import { test, expect } from '@playwright/test';
import { SATO, YAMADA, chooseRoom, counterTown, eventCount, recordEntry, storedEvents, tab } from './helpers.mjs';

const thisMonth = () => {
  const now = new Date(new Date().toLocaleString('en-US', { timeZone: 'Asia/Tokyo' }));
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
};

test('an entry manager generates, reviews and submits a month report; missing ones are flagged', async ({ page }) => {
  await counterTown(page, [YAMADA, SATO]);
  await chooseRoom(page, '住民窓口');
  await recordEntry(page, YAMADA);

  await tab(page, '報告');
  const states = page.locator('tr.report-state');
  await expect(states).toHaveCount(3);
  await expect(page.locator('tr.report-state.missing')).toHaveCount(3);

  // This month's figures come from the registers; it has not ended, so it is not submitted.
  await page.selectOption('#report-room', { label: '住民窓口（レベル1）' });
  await page.fill('#report-month', thisMonth());
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

  // The reports leave as CSV and print like every register.
  await expect(page.locator('#reports-csv')).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('reports.png'), fullPage: true });
});
