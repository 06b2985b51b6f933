// Two tablets of one town, head office and the Nakayubetsu branch, as two browser contexts
// enrolled with the same endpoint: both go offline, both record entries and key loans, both
// reconnect and sync by themselves; they end with identical registers, and the key the branch
// lent to someone whose permission head office revoked meanwhile is raised on both.
import { test, expect } from '@playwright/test';
import { PORT } from './playwright.config.mjs';
import { TestServer } from './server.mjs';
import {
  ADMIN, YAMADA, SATO, SERVER_ROOM, chooseRoom, enroll, fillEntry, grantPermission, keyTown, openApp, recordEntry,
  shownRows, signIn, submitLoan, syncAll, tab,
} from './helpers.mjs';

async function lendKey(page, who) {
  await submitLoan(page, who);
  await expect(page.locator('.lend-form .status')).toContainText('貸出を記録しました');
}

async function revokeServerRoom(page, who) {
  await tab(page, '入室許可');
  const row = page.locator(`.permit-list tr[data-person="${who.name}"]`, { hasText: '電算室' });
  await row.getByRole('button', { name: `${who.name}さんの許可を取り消す` }).click();
  await expect(page.locator('.permit-list ~ .status, .permit-list + * .status').or(page.getByRole('alert')).first())
    .toContainText('許可を取り消しました');
  // The list shows what is valid now: the server-room permission has left it.
  await expect(row).toHaveCount(0);
}

/** Head office set up as `keyTown` and enrolled, and the branch joined and signed in. */
async function twoTablets(server, head, branch, setUp) {
  const hq = await head.newPage();
  await openApp(hq, `${server.base}/#/entry-log`);
  await keyTown(hq);
  if (setUp) await setUp(hq);
  await enroll(hq, server.enrollmentCode());
  await expect(hq.locator('.sync-state .enrolled')).toHaveText('登録済み');
  const br = await branch.newPage();
  await br.goto(`${server.base}/`);
  await br.fill('#join-code', server.enrollmentCode());
  await br.click('#join');
  await expect(br.locator('[data-screen="sign-in"]')).toBeVisible({ timeout: 15_000 });
  await signIn(br, ADMIN);
  await expect(br.locator('[data-ready="true"]')).toBeVisible();
  return { hq, br };
}

/** Back online: each tablet syncs by itself until nothing waits (on 端末と同期); one more by
 *  hand, branch then head office, lets each see the other's last. */
async function reconnect(contexts, [hq, br]) {
  for (const page of [hq, br]) await tab(page, '端末と同期');
  for (const context of contexts) await context.setOffline(false);
  for (const page of [hq, br]) {
    await expect(page.locator('.sync-state .pending')).toHaveAttribute('data-pending', '0', { timeout: 15_000 });
  }
  await syncAll(br);
  await syncAll(hq);
}

// Issue 16's story: both tablets offline lend the server room's key, to 佐藤 and to 山田. Once
// they meet, the conflict is raised on both (第18条第3項), both show it on 鍵の管理簿, and the
// door lets neither holder in with that key.
test('one key lent twice offline: a conflict on both tablets, the door closed to both holders', async ({ browser }) => {
  test.setTimeout(150_000);
  const server = await new TestServer(PORT + 26).start();
  const head = await browser.newContext();
  const branch = await browser.newContext();
  try {
    const { hq, br } = await twoTablets(server, head, branch, (page) => grantPermission(page, SATO, SERVER_ROOM));
    await head.setOffline(true);
    await branch.setOffline(true);
    await lendKey(hq, SATO);
    await lendKey(br, YAMADA);
    await reconnect([head, branch], [hq, br]);

    for (const page of [hq, br]) {
      await tab(page, '例外');
      const raised = page.locator('tr.rule-break');
      await expect(raised).toHaveCount(1);
      await expect(raised).toHaveAttribute('data-code', 'key_lent_twice');
      await expect(raised).toContainText('第18条第3項');
      await expect(raised.locator('.addressed')).toContainText('入退室管理者（レベル3・2）');
      await expect(raised.locator('.addressed')).toContainText('セキュリティ総括責任者');

      await tab(page, '鍵の管理簿');
      await expect(page.locator('.keys-out .conflict-mark')).toHaveCount(2);
      await tab(page, 'ホーム');
      await expect(page.locator('.conflict-mark')).toHaveCount(2);

      await tab(page, '入退室管理簿');
      await chooseRoom(page, '電算室');
      for (const who of [YAMADA, SATO]) {
        await fillEntry(page, { name: who.name, affiliation: who.affiliation, purpose: 'サーバ点検' });
        await page.click('#record-entry');
        const refusal = page.locator('.field-error[data-field="Key"]');
        await expect(refusal).toContainText('この鍵では入室できません');
        await expect(refusal).toContainText('第18条第3項');
      }
    }

    // The entry manager resolves it on head office's tablet: 佐藤's loan was not real.
    await tab(hq, '鍵の管理簿');
    await hq.getByLabel(`${SATO.name}さんへの貸出しを取り消す経緯`).fill('出張所からの連絡で、鍵は山田さんに貸したと確認');
    await hq.getByRole('button', { name: `${SATO.name}さんへの貸出しは誤り（取り消す）` }).click();
    await expect(hq.locator('.keys-out .status')).toContainText('貸出しの取消を記録しました');
    await syncAll(hq);
    await syncAll(br);
    for (const page of [hq, br]) {
      await tab(page, '鍵の管理簿');
      await expect(page.locator('.keys-out .conflict-mark')).toHaveCount(0);
      await expect(page.locator('tr.voided')).toHaveCount(1);
      await expect(page.locator('tr.voided')).toContainText(SATO.name);
      await expect(page.locator('tr.voided')).toContainText('取消（競合の解決）');
      await tab(page, '例外');
      await expect(page.locator('tr.rule-break')).toHaveCount(1);
    }
    // The door: 山田 holds the key now; 佐藤 holds none.
    await tab(hq, '入退室管理簿');
    await chooseRoom(hq, '電算室');
    await fillEntry(hq, { name: SATO.name, affiliation: SATO.affiliation, purpose: 'サーバ点検' });
    await hq.click('#record-entry');
    await expect(hq.locator('.field-error[data-field="Key"]')).toContainText('鍵を借りてから');
    await recordEntry(hq, { name: YAMADA.name, affiliation: YAMADA.affiliation, purpose: 'サーバ点検' });
  } finally {
    await head.close();
    await branch.close();
    await server.stop();
  }
});

test('two devices offline, reconnected: identical registers and the offline loan raised on both', async ({ browser }) => {
  test.setTimeout(120_000);
  const server = await new TestServer(PORT + 11).start();
  const head = await browser.newContext();
  const branch = await browser.newContext();
  try {
    const { hq, br } = await twoTablets(server, head, branch);

    await head.setOffline(true);
    await branch.setOffline(true);
    // Head office revokes 山田's permission for the server room; the branch does not know.
    await revokeServerRoom(hq, YAMADA);
    await tab(hq, '入退室管理簿');
    await chooseRoom(hq, '住民窓口');
    await recordEntry(hq, { name: SATO.name, affiliation: SATO.affiliation, purpose: '窓口業務' });
    await lendKey(br, YAMADA);
    await tab(br, '入退室管理簿');
    await chooseRoom(br, '住民窓口');
    await recordEntry(br, { name: YAMADA.name, purpose: '出張所の窓口' });
    // Nothing can leave while offline; each says so in words.
    for (const page of [hq, br]) {
      await tab(page, '端末と同期');
      expect(Number(await page.locator('.sync-state .pending').getAttribute('data-pending'))).toBeGreaterThan(0);
    }

    await reconnect([head, branch], [hq, br]);

    const entriesHq = await shownRows(hq, '入退室管理簿', 'table.logbook');
    const entriesBr = await shownRows(br, '入退室管理簿', 'table.logbook');
    expect(entriesHq.length).toBe(2);
    expect(entriesBr).toEqual(entriesHq);
    const loansHq = await shownRows(hq, '鍵の管理簿', 'table.key-log-table');
    const loansBr = await shownRows(br, '鍵の管理簿', 'table.key-log-table');
    expect(loansHq.length).toBe(1);
    expect(loansBr).toEqual(loansHq);

    for (const page of [hq, br]) {
      await tab(page, '例外');
      const raised = page.locator('tr.rule-break');
      await expect(raised).toHaveCount(1);
      await expect(raised).toHaveAttribute('data-code', 'key_lent_unpermitted');
      await expect(raised).toContainText('山田 太郎');
      await expect(raised).toContainText('第18条第4項');
      await expect(raised.locator('.addressed')).toContainText('入退室管理者（レベル3・2）');
      await expect(raised.locator('.addressed')).toContainText('セキュリティ総括責任者');
      await expect(raised).toHaveClass(/to-me/);
    }
  } finally {
    await head.close();
    await branch.close();
    await server.stop();
  }
});
