// Two tablets of one town, head office and the Nakayubetsu branch, as two browser contexts
// enrolled with the same endpoint: both go offline, both record entries and key loans, both
// reconnect and sync by themselves; they end with identical registers, and the key the branch
// lent to someone whose permission head office revoked meanwhile is raised on both — as are
// an entry on a key returned at the other tablet, and one person inside two rooms at once.
import { test, expect } from '@playwright/test';
import { PORT } from './playwright.config.mjs';
import { TestServer } from './server.mjs';
import {
  ADMIN, YAMADA, SATO, SERVER_ROOM, SERVER_ROOM_KEY, addBranchCounter, chooseRoom, enroll, fillEntry, grantPermission, keyTown, openApp,
  recordEntry, shownRows, signIn, storedEvents, submitLoan, syncAll, tab,
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
  await br.fill('#join-name', '中湧別出張所 タブレット1');
  await br.fill('#join-code', server.enrollmentCode());
  await br.click('#join');
  await expect(br.locator('[data-screen="sign-in"]')).toBeVisible({ timeout: 15_000 });
  await signIn(br, ADMIN);
  await expect(br.locator('[data-ready="true"]')).toBeVisible();
  return { hq, br };
}

/** A story on two tablets (head office and the branch) enrolled with one endpoint on `port`,
 *  head office set up by `setUp` first; all closed after, pass or fail. */
async function withTwoTablets(browser, port, setUp, story) {
  const server = await new TestServer(port).start();
  const head = await browser.newContext();
  const branch = await browser.newContext();
  try {
    const { hq, br } = await twoTablets(server, head, branch, setUp);
    await story({ hq, br, head, branch });
  } finally {
    await head.close();
    await branch.close();
    await server.stop();
  }
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
  await withTwoTablets(browser, PORT + 26, (page) => grantPermission(page, SATO, SERVER_ROOM), async ({ hq, br, head, branch }) => {
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
  });
});

test('two devices offline, reconnected: identical registers and the offline loan raised on both', async ({ browser }) => {
  test.setTimeout(120_000);
  await withTwoTablets(browser, PORT + 11, undefined, async ({ hq, br, head, branch }) => {

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
  });
});

/** The id of the device's last stored event of `kind` (device:seq, as record links name it),
 *  and its payload. */
async function lastStored(page, kind) {
  const event = (await storedEvents(page)).filter((e) => e.kind === kind).pop();
  expect(event, `a stored ${kind}`).toBeTruthy();
  return { id: `${event.device}:${event.seq}`, payload: event.payload };
}

/** The lines of 入退室管理簿 of every room (the page shows one room's at first), once `count`. */
async function everyRoomsLines(page, count) {
  await tab(page, '入退室管理簿');
  await page.selectOption('#log-room', '');
  await expect(page.locator('.log-count[data-total]')).toHaveAttribute('data-total', String(count));
  const lines = page.locator('table.logbook tbody tr');
  await expect(lines).toHaveCount(count);
  return lines.allInnerTexts();
}

/** Neither tablet alone sees a break: what follows is the sync's doing. */
async function noBreaks(pages) {
  for (const page of pages) {
    await tab(page, '例外');
    await expect(page.locator('tr.rule-break')).toHaveCount(0);
    await expect(page.locator('.rule-breaks-page')).toContainText('例外はありません。');
  }
}

// Head office lends 佐藤 the server room's key and both tablets know it; offline, head office
// takes the key back, and later the branch, still showing it out with 佐藤, lets her into the
// server room. Once they meet, the entry was made without the key (第17条第2項): raised on both,
// the records kept as made.
test('a key returned on one tablet, its holder let in on the other: an entry without the key raised on both', async ({ browser }) => {
  test.setTimeout(150_000);
  await withTwoTablets(browser, PORT + 27, (page) => grantPermission(page, SATO, SERVER_ROOM), async ({ hq, br, head, branch }) => {
    // Online: the loan reaches the branch.
    await lendKey(hq, SATO);
    await syncAll(hq);
    await syncAll(br);
    await tab(br, '鍵の管理簿');
    await expect(br.locator('.keys-out .key-row')).toContainText(SATO.name);

    await head.setOffline(true);
    await branch.setOffline(true);
    // 佐藤 gives the key back at head office (recorded at once, as now) ...
    await tab(hq, '鍵の管理簿');
    await hq.getByRole('button', { name: `${SERVER_ROOM_KEY}の返却を記録` }).click();
    await expect(hq.locator('.keys-out .status')).toContainText('返却を記録しました');
    await expect(hq.locator('.keys-out .empty')).toBeVisible();
    // ... and then enters the server room at the branch, whose tablet still has the key with
    // her: its door lets her in.
    await tab(br, '鍵の管理簿');
    await expect(br.locator('.keys-out .key-row')).toContainText(SATO.name);
    await tab(br, '入退室管理簿');
    await chooseRoom(br, '電算室');
    await recordEntry(br, { name: SATO.name, affiliation: SATO.affiliation, purpose: 'サーバ点検' });
    const returned = await lastStored(hq, 'key_returned');
    const entry = await lastStored(br, 'entry_recorded');
    expect(returned.payload.returned_at).toBeLessThan(entry.payload.entered_at);
    await noBreaks([hq, br]);

    await reconnect([head, branch], [hq, br]);

    for (const page of [hq, br]) {
      // Both registers hold the return and the entry as recorded.
      await tab(page, '鍵の管理簿');
      await expect(page.locator('.keys-out .empty')).toBeVisible();
      const loans = page.locator('table.key-log-table tbody tr');
      await expect(loans).toHaveCount(1);
      await expect(loans).not.toContainText('貸出中');
      const [line] = await everyRoomsLines(page, 1);
      expect(line).toContain(SATO.name);
      expect(line).toContain('入室中');

      await tab(page, '例外');
      const raised = page.locator('tr.rule-break');
      await expect(raised).toHaveCount(1);
      await expect(raised).toHaveAttribute('data-code', 'entry_without_key');
      await expect(raised.locator('.message')).toHaveText(
        `鍵の貸出しを受けていない人の入室が記録されていました（${SATO.name}・電算室（サーバ室））。記録はそのまま残しています。第17条第2項`,
      );
      // Named by the branch's entry, not by the return.
      await expect(raised.locator('a.record-link')).toHaveAttribute('data-event', entry.id);
      await expect(raised.locator('.addressed')).toContainText('入退室管理者（レベル3・2）');
      await expect(raised.locator('.addressed')).toContainText('セキュリティ総括責任者');
      await expect(raised).toHaveClass(/to-me/);
    }
  });
});

// Offline, head office records 山田 entering 住民窓口 and, later, the branch records him entering
// its own counter; no exit on either. Once they meet, he was inside two rooms at once
// (第19条第1項): raised on both, named by the later entry, the branch's.
test('one person entered on two tablets offline: inside two rooms at once, raised on both', async ({ browser }) => {
  test.setTimeout(150_000);
  await withTwoTablets(browser, PORT + 28, (page) => addBranchCounter(page, YAMADA), async ({ hq, br, head, branch }) => {

    await head.setOffline(true);
    await branch.setOffline(true);
    await tab(hq, '入退室管理簿');
    await chooseRoom(hq, '住民窓口');
    await recordEntry(hq, { name: YAMADA.name, purpose: '窓口業務' });
    const first = await lastStored(hq, 'entry_recorded');
    // The branch knows nothing of it: its door lets him in without a warning.
    await tab(br, '入退室管理簿');
    await chooseRoom(br, '中湧別出張所 窓口');
    await recordEntry(br, { name: YAMADA.name, purpose: '出張所の窓口' });
    const later = await lastStored(br, 'entry_recorded');
    expect(first.payload.entered_at).toBeLessThan(later.payload.entered_at);
    expect(later.payload.inside_elsewhere).toBeFalsy();
    await noBreaks([hq, br]);

    await reconnect([head, branch], [hq, br]);

    // Both lines kept, open, on both tablets alike.
    const linesHq = await everyRoomsLines(hq, 2);
    const linesBr = await everyRoomsLines(br, 2);
    expect(linesBr).toEqual(linesHq);
    for (const line of linesHq) {
      expect(line).toContain(YAMADA.name);
      expect(line).toContain('入室中');
    }
    for (const page of [hq, br]) {
      await tab(page, '例外');
      const raised = page.locator('tr.rule-break');
      await expect(raised).toHaveCount(1);
      await expect(raised).toHaveAttribute('data-code', 'entry_while_inside');
      await expect(raised.locator('.message')).toHaveText(
        '別の部屋（または別の端末）で入室中と記録されている人の入室が記録されていました（退室の記録漏れを確かめてください）'
          + `（${YAMADA.name}・中湧別出張所 窓口）。記録はそのまま残しています。第19条第1項`,
      );
      await expect(raised.locator('a.record-link')).toHaveAttribute('data-event', later.id);
      await expect(raised.locator('.addressed')).toContainText('入退室管理者（レベル1）');
      await expect(raised.locator('.addressed')).toContainText('セキュリティ総括責任者');
      await expect(raised).toHaveClass(/to-me/);
    }
  });
});
