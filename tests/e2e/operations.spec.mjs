// 操作履歴 (第12条): sign-ins and their failures, a print, an enrollment and its syncs are in
// the history with operator, device and time; filtered by operator, the chart, the per-operator
// counts and the rows agree; the CSV holds the rows (BOM, CRLF, quoted) and is itself recorded.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { PORT } from './playwright.config.mjs';
import { TestServer } from './server.mjs';
import { ADMIN, addPerson, enroll, layoutShifts, openApp, signIn, tab } from './helpers.mjs';

const KATO = { name: '加藤 次郎', affiliation: '住民課', pin: '1357' };

test.use({ actionTimeout: 10_000 });

test('every act is in the history; filtered by operator it counts, charts and exports alike', async ({ page }) => {
  test.setTimeout(90_000);
  const server = await new TestServer(PORT + 14).start();
  try {
    // The print dialog would block a headless run: the app's call is what is tested.
    await page.addInitScript(() => {
      window.print = () => {};
    });
    await openApp(page, `${server.base}/`);
    await addPerson(page, KATO);
    await enroll(page, server.enrollmentCode());

    // 加藤 signs in (once with a wrong PIN) and prints the key logbook.
    await page.click('#sign-out');
    await signIn(page, KATO, '0000');
    await expect(page.locator('.form-error', { hasText: '暗証番号が違います' })).toBeVisible();
    await page.fill('#pin', KATO.pin);
    await page.click('#sign-in');
    await tab(page, '鍵の管理簿');
    await page.click('#key_logbook-print');

    await tab(page, '操作履歴');
    const history = page.locator('.operations-page[data-ready="true"]');
    await expect(history).toBeVisible();
    const rows = page.locator('table.history-table tbody tr');
    await expect(rows.first()).toBeVisible();
    for (const kind of ['printed', 'device_enrolled', 'synced', 'signed_in', 'sign_in_failed', 'signed_out']) {
      await expect(page.locator(`tr[data-kind="${kind}"]`).first()).toBeVisible();
    }
    await expect(page.locator('tr[data-kind="printed"]').first()).toContainText('鍵の管理簿');
    await expect(page.locator('tr[data-kind="printed"]').first().locator('.operator')).toHaveText(KATO.name);

    // Only 加藤: rows, chart, per-operator count and the total agree.
    await page.selectOption('#ops-operator', { label: `${KATO.name}（${KATO.affiliation}）` });
    await expect(page.locator('tr[data-kind="device_enrolled"]')).toHaveCount(0);
    await expect(history).toBeVisible();
    const n = await rows.count();
    expect(n).toBeGreaterThanOrEqual(3);
    await expect(rows.locator('.operator')).toHaveText(Array(n).fill(KATO.name));
    await expect(page.locator('.day-chart svg')).toHaveAttribute('data-total', String(n));
    await expect(page.locator('.log-count')).toHaveAttribute('data-total', String(n));
    await expect(page.locator('.operator-counts tr')).toHaveCount(1);
    await expect(page.locator('.operator-counts tr').first()).toHaveAttribute('data-count', String(n));

    // Only the failed sign-ins: one.
    await page.selectOption('#ops-kind', { label: 'サインインの失敗' });
    await expect(rows).toHaveCount(1);
    await expect(page.locator('.day-chart svg')).toHaveAttribute('data-total', '1');

    // The CSV of what is shown, and its own record.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#ops-csv')]);
    const bytes = readFileSync(await download.path());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8').slice(1);
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('"日時（和暦）","日時（西暦 ISO）","操作者","端末","種別","内容"');
    expect(lines).toHaveLength(3); // header, the row, and the final CRLF
    expect(lines[1]).toContain(`"${KATO.name}"`);
    expect(lines[1]).toContain('"サインインの失敗"');
    expect(lines[1]).toMatch(/^"令和\d+年\d+月\d+日 \d\d:\d\d:\d\d","\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00"/);
    await expect(page.locator('.operations-page .notice')).toContainText('1件をCSVで書き出しました');

    await page.selectOption('#ops-kind', { label: '書き出し' });
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('操作履歴');
    await expect(rows.first()).toContainText('件数：1');

    // The history page offers no way to change or delete a line.
    await expect(page.locator('.operations-page button', { hasText: /削除|訂正|取消/ })).toHaveCount(0);

    // Printed on A4 as shown (kept as a PDF to be looked at): no filter, no pager on paper.
    // Wait for the filter to show every kind again (counting at once could still see the
    // exports alone): 加藤's one print so far, the key logbook's.
    await page.selectOption('#ops-kind', { label: 'すべての種別' });
    await expect(page.locator('tr[data-kind="printed"]')).toHaveCount(1);
    await page.click('#ops-print');
    // The print is history at once; then the browser starts printing (as its print dialog does).
    await expect(page.locator('tr[data-kind="printed"]')).toHaveCount(2);
    await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
    await expect(page.locator('table.history-table td.device.unbroken').first()).toHaveText('本庁 タブレット1');
    await page.emulateMedia({ media: 'print' });
    await expect(page.locator('.operations-page .logbook-filters')).toBeHidden();
    await expect(page.locator('.operations-page .pager')).toBeHidden();
    await page.pdf({ path: test.info().outputPath('operation_history.pdf'), format: 'A4' });
    await page.emulateMedia({ media: 'screen' });
  } finally {
    await server.stop();
  }
});

test('the filter reads a past month, and the chart has a bar for each of its days', async ({ page }) => {
  await openApp(page, '/#/operations');
  await page.fill('#ops-from', '2024-02-01');
  await page.fill('#ops-to', '2024-02-29');
  await page.locator('#ops-to').dispatchEvent('change');
  await expect(page.locator('.day-chart svg')).toHaveAttribute('data-days', '29');
  await expect(page.locator('.day-chart svg')).toHaveAttribute('data-total', '0');
  await expect(page.locator('.operations-page .empty')).toBeVisible();
  await expect(page.locator('.operations-page h2')).toContainText('令和6年2月1日〜令和6年2月29日');
  await expect(page.locator('.operations-page')).toHaveAttribute('data-ready', 'true');
});

test('on a slow phone, 操作履歴 opens without moving, also when its own sync adds a line', async ({ page }) => {
  const server = await new TestServer(PORT + 24).start();
  try {
    await openApp(page, `${server.base}/`);
    await enroll(page, server.enrollmentCode());
    await page.goto(`${server.base}/#/operations`);
    // A phone's screen and a CPU four times slower, as Lighthouse's mobile run has them: frames
    // are painted between the page's reads, so a part that arrives late would push the rest.
    await page.setViewportSize({ width: 412, height: 823 });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    // A reload signs nobody out; the sync it starts pushes the new sign-in and records it.
    await page.click('#sign-out');
    await signIn(page);
    await expect(page.locator('.operations-page[data-ready="true"]')).toBeVisible();
    await page.reload();
    await expect(page.locator('.operations-page[data-ready="true"]')).toBeVisible();
    await expect(page.locator('table.history-table tbody tr').first()).toBeVisible();
    await page.waitForTimeout(3000);
    const { total, shifts } = await layoutShifts(page);
    expect(total, JSON.stringify(shifts)).toBeLessThanOrEqual(0.01);
  } finally {
    await server.stop();
  }
});
