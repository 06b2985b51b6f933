// A tablet the system administrator revoked (`daicho-server revoke-device`, a lost tablet):
// its next sync is refused with the reason in words, the revocation is in the operation
// history once (第12条), however often it syncs again, and nothing it holds is lost.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { PORT } from './playwright.config.mjs';
import { TestServer } from './server.mjs';
import { YAMADA, addPerson, enroll, eventCount, openApp, storedEvents, tab } from './helpers.mjs';

test.use({ serviceWorkers: 'block' });

test('a revoked tablet is refused, records its revocation once and keeps its records', async ({ page }) => {
  test.setTimeout(90_000);
  const server = await new TestServer(PORT + 17).start();
  try {
    await openApp(page, `${server.base}/#/sync`);
    await enroll(page, server.enrollmentCode());
    const device = (await storedEvents(page)).find((e) => e.kind === 'device_enrolled').payload.device;

    execFileSync('../../target/debug/daicho-server', ['--data-dir', server.dataDir, 'revoke-device', device]);
    const onServer = await server.eventCount();

    // The clerk keeps working; the sync is refused, in words, and nothing is pushed.
    await addPerson(page, YAMADA);
    await tab(page, '端末と同期');
    await page.click('#sync-now');
    const error = page.locator('.sync-page > .card .form-error');
    await expect(error).toContainText('この端末の登録は取り消されています', { timeout: 20_000 });
    await expect(page.locator('#sync-now')).toBeEnabled();
    await page.click('#sync-now');
    await expect(page.locator('#sync-now')).toBeEnabled({ timeout: 20_000 });
    await expect(page.locator('.last-error')).toContainText('この端末の登録は取り消されています');
    expect(await server.eventCount()).toBe(onServer);

    // The revocation is history, recorded once; the person added offline is still here.
    const events = await storedEvents(page);
    const revoked = events.filter((e) => e.kind === 'device_revoked');
    expect(revoked).toHaveLength(1);
    expect(revoked[0].payload.device).toBe(device);
    expect(events.some((e) => e.kind === 'person_defined' && e.payload.name === YAMADA.name)).toBe(true);
    const before = await eventCount(page);
    await tab(page, '操作履歴');
    await expect(page.locator('.operations-page[data-ready="true"]')).toBeVisible();
    await expect(page.locator('tr[data-kind="device_revoked"]')).toHaveCount(1);
    await expect(page.locator('tr[data-kind="device_revoked"]')).toContainText('端末の登録取消');
    expect(await eventCount(page)).toBe(before);
  } finally {
    await server.stop();
  }
});
