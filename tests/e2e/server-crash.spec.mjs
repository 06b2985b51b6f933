// The endpoint killed in the middle of a push (after it stored the batch, before its answer
// reached the tablet), and killed again before a push reached it: the tablet retries by
// itself once the endpoint is back, and every event ends up stored exactly once.
import { test, expect } from '@playwright/test';
import { PORT } from './playwright.config.mjs';
import { TestServer } from './server.mjs';
import { YAMADA, addPerson, enroll, openApp, storedEvents, tab } from './helpers.mjs';

// The service worker would hide the app's requests from page.route.
test.use({ serviceWorkers: 'block' });

async function syncState(page) {
  await tab(page, '端末と同期');
  return page.locator('.sync-state');
}

test('a push cut off by a killed server is retried: nothing lost, nothing stored twice', async ({ page }) => {
  test.setTimeout(120_000);
  const server = await new TestServer(PORT + 12).start();
  try {
    await openApp(page, `${server.base}/#/entry-log`);
    await addPerson(page, YAMADA);

    // The first push reaches the server and is stored; the server dies before answering.
    let cut = 0;
    await page.route('**/api/events', async (route) => {
      if (route.request().method() !== 'POST' || cut > 0) return route.continue();
      cut += 1;
      const answered = await route.fetch();
      expect(answered.status()).toBe(200);
      await server.kill();
      await route.abort('connectionreset');
    });
    const state = await syncState(page);
    await page.fill('#enroll-name', '本庁 タブレット1');
    await page.fill('#enroll-code', server.enrollmentCode());
    await page.click('#enroll');
    await expect(state.locator('.last-error')).toContainText('サーバに接続できません', { timeout: 15_000 });
    // Written for the clerk: the browser's own message (「TypeError: Failed to fetch」) stays in the console.
    await expect(state.locator('.last-error')).not.toContainText(/TypeError|Failed to fetch|NetworkError|Load failed/);
    expect(cut).toBe(1);
    expect(Number(await state.locator('.pending').getAttribute('data-pending'))).toBeGreaterThan(0);

    // Back up: the tablet sends the same batch again by itself; the server had it already.
    await server.start();
    await expect(state.locator('.pending')).toHaveAttribute('data-pending', '0', { timeout: 40_000 });
    await expect(state.locator('.last-error')).toHaveText('なし');
    const own = async () => (await storedEvents(page)).length;
    expect(await server.eventCount()).toBe(await own());

    // Killed before the next push reaches it: the record waits on the tablet, then arrives.
    await server.kill();
    await addPerson(page, { name: '鈴木 一郎', affiliation: '情報管理室' });
    const again = await syncState(page);
    await expect(again.locator('.last-error')).toContainText('サーバに接続できません', { timeout: 15_000 });
    await server.start();
    await expect(again.locator('.pending')).toHaveAttribute('data-pending', '0', { timeout: 40_000 });
    expect(await server.eventCount()).toBe(await own());
  } finally {
    await server.stop();
  }
});

test('an endpoint that keeps failing is reported on every page, and the records wait', async ({ page }) => {
  test.setTimeout(120_000);
  const server = await new TestServer(PORT + 23).start();
  try {
    await openApp(page, `${server.base}/#/entry-log`);
    await addPerson(page, YAMADA);

    // The endpoint's database is down: every push is answered 503 storage_unavailable.
    let refused = 0;
    await page.route('**/api/events', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      refused += 1;
      await route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({
          code: 'storage_unavailable',
          message_ja: 'サーバの記録に失敗しました。後で自動的に再送します。',
          message_en: 'The server could not store or read the log; try again.',
        }),
      });
    });
    const state = await syncState(page);
    await page.fill('#enroll-name', '本庁 タブレット1');
    await page.fill('#enroll-code', server.enrollmentCode());
    await page.click('#enroll');
    const trouble = page.locator('.sync-trouble[role="alert"]');
    await expect(trouble).toContainText('回続けて失敗しています', { timeout: 30_000 });
    await expect(trouble).toContainText('storage_unavailable');
    expect(refused).toBeGreaterThanOrEqual(3);
    expect(Number(await state.locator('.pending').getAttribute('data-pending'))).toBeGreaterThan(0);
    // Told on the other pages too, with the way to the sync page.
    await tab(page, '入退室管理簿');
    await expect(trouble).toBeVisible();

    // The endpoint recovers: the records go out by themselves and the report goes away.
    await page.unroute('**/api/events');
    await trouble.getByRole('button', { name: '端末と同期を開く' }).click();
    await expect(page.locator('.sync-state .pending')).toHaveAttribute('data-pending', '0', { timeout: 40_000 });
    await expect(trouble).toHaveCount(0);
    expect(await server.eventCount()).toBe((await storedEvents(page)).length);
  } finally {
    await server.stop();
  }
});

test('an endpoint that never answers: the sync gives up after 30 s and the next one goes through', async ({ page }) => {
  test.setTimeout(90_000);
  const server = await new TestServer(PORT + 25).start();
  try {
    await openApp(page, `${server.base}/`);
    await enroll(page, server.enrollmentCode());
    await addPerson(page, YAMADA);
    // The endpoint takes the push and never answers (a stalled connection).
    await page.route('**/api/events', () => {});
    await tab(page, '端末と同期');
    await page.click('#sync-now');
    await expect(page.locator('#sync-now')).toBeDisabled();
    const error = page.locator('.sync-page > .card .form-error');
    await expect(error).toContainText('サーバが30秒以内に応答しませんでした', { timeout: 40_000 });
    // The lock is free again: the next sync, with the endpoint answering, sends the records.
    await page.unroute('**/api/events');
    await expect(page.locator('#sync-now')).toBeEnabled();
    await page.click('#sync-now');
    await expect(page.locator('.sync-page > .card .status')).toContainText('受信しました', { timeout: 20_000 });
    await expect(page.locator('.sync-state .pending')).toHaveAttribute('data-pending', '0');
  } finally {
    await server.stop();
  }
});
