// Two tabs of one browser share the tablet's records: what a sync in one tab brings shows in
// the other, and a clerk typing in a form there, or reading how a submit went, is not
// interrupted (a banner offers the update).
import { test, expect } from '@playwright/test';
import { PORT } from './playwright.config.mjs';
import { TestServer } from './server.mjs';
import { ADMIN, addPerson, enroll, openApp, signInIfAsked, syncByHand, tab } from './helpers.mjs';

test.use({ actionTimeout: 10_000 });


test('a sync in one tab shows in the other; a form being filled in keeps its text, a submitted one its message', async ({ browser }) => {
  test.setTimeout(90_000);
  const server = await new TestServer(PORT + 13).start();
  const office = await browser.newContext();
  const branch = await browser.newContext();
  try {
    const hq = await office.newPage();
    await openApp(hq, `${server.base}/`);
    await enroll(hq, server.enrollmentCode());

    const first = await branch.newPage();
    await first.goto(`${server.base}/`);
    await first.fill('#join-name', '中湧別出張所 タブレット1');
    await first.fill('#join-code', server.enrollmentCode());
    await first.click('#join');
    await expect(first.locator('[data-screen="sign-in"]')).toBeVisible({ timeout: 15_000 });
    await signInIfAsked(first, ADMIN);
    const second = await branch.newPage();
    await openApp(second, `${server.base}/`);
    await tab(second, '職員・来訪者');

    // Head office registers someone; the first tab syncs; the second shows them.
    await addPerson(hq, { name: '鈴木 一郎', affiliation: '情報管理室' });
    await expect(async () => {
      await syncByHand(first);
      await expect(second.locator('tr[data-person="鈴木 一郎"]')).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 20_000 });

    // The second tab's clerk is typing: the page is not redrawn under them.
    await second.fill('#person-name', '田中');
    await second.focus('#person-name');
    await addPerson(hq, { name: '高橋 花子', affiliation: '総務課' });
    await expect(async () => {
      await syncByHand(first);
      await expect(second.locator('.arrived-banner')).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 20_000 });
    // The form keeps what was typed; the people list (drawn from the shared directory) is
    // already up to date; 表示を更新 draws the rest of the page again.
    await expect(second.locator('#person-name')).toHaveValue('田中');
    await expect(second.locator('tr[data-person="高橋 花子"]')).toBeVisible();
    await second.getByRole('button', { name: '表示を更新' }).click();
    await expect(second.locator('.arrived-banner')).toHaveCount(0);
    await expect(second.locator('tr[data-person="高橋 花子"]')).toBeVisible();

    // A form showing how its submit went keeps its message too (drawn again, it was lost).
    await tab(second, '機器');
    await second.fill('#equipment-name', '窓口端末3');
    await second.fill('#equipment-place', '住民窓口');
    await second.click('#register-equipment');
    const registered = second.locator('.equipment-form .status');
    await expect(registered).toHaveText('機器を登録しました。');
    await addPerson(hq, { name: '伊藤 次郎', affiliation: '福祉課' });
    await expect(async () => {
      await syncByHand(first);
      await expect(second.locator('.arrived-banner')).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 20_000 });
    await expect(registered).toHaveText('機器を登録しました。');
    await expect(second.locator('tr[data-equipment] .equipment-name', { hasText: '窓口端末3' })).toBeVisible();
  } finally {
    await office.close();
    await branch.close();
    await server.stop();
  }
});
