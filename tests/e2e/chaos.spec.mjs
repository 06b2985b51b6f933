// Three tablets of one town used at random, as a busy day would: offline and online, reloads,
// pages changed under a sync, entries, exits, loans and returns, syncs by hand. No tablet may
// panic or log an error, and once all are online and synced they show the same logbooks.
// And the story that once diverged: a key returned on two tablets offline, a minute apart,
// shows the same return everywhere.
import { test, expect } from '@playwright/test';
import { PORT } from './playwright.config.mjs';
import { TestServer } from './server.mjs';
import {
  ADMIN, YAMADA, SATO, chooseRoom, enroll, exitButton, fillEntry, insideRow, keyTown, openApp, shownRows, signIn,
  signInIfAsked, submitLoan, syncAll, syncByHand, tab,
} from './helpers.mjs';

const PAGES = ['ホーム', '入退室管理簿', '鍵の管理簿', '入室許可', '室・鍵', '職員・来訪者', '端末と同期', '例外', '操作履歴', '機器'];

/** A small seeded generator (mulberry32): the same seed walks the same day. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every panic, uncaught error and console error of `page`, but the browser's own lines about
 *  requests it could not send while offline. */
function watchErrors(page, name, errors) {
  page.on('pageerror', (e) => errors.push(`${name}: page error: ${e.message}\n${e.stack}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    if (/net::ERR_INTERNET_DISCONNECTED|net::ERR_NETWORK_CHANGED|Failed to load resource/.test(text)) return;
    errors.push(`${name}: console: ${text}`);
  });
}

/** A tablet that joins the town's registers with a code and signs in as ADMIN; its clock
 *  runs `ahead` milliseconds ahead of the others' from the start. */
async function join(context, server, ahead = 0) {
  const page = await context.newPage();
  if (ahead) await page.clock.install({ time: Date.now() + ahead });
  await page.goto(`${server.base}/`);
  await page.fill('#join-name', '中湧別出張所 タブレット1');
  await page.fill('#join-code', server.enrollmentCode());
  await page.click('#join');
  await expect(page.locator('[data-screen="sign-in"]')).toBeVisible({ timeout: 15_000 });
  await signIn(page, ADMIN);
  await expect(page.locator('[data-ready="true"]')).toBeVisible();
  return page;
}

/** Lends the server room's key; refused (it is out), the refusal is the answer. */
async function lendKey(page, who) {
  await submitLoan(page, who);
  await expect(page.locator('.lend-form .status, .lend-form .form-error')).toBeVisible();
}

/** Returns the key from 鍵の管理簿 if this tablet shows it out. */
async function returnKey(page) {
  await tab(page, '鍵の管理簿');
  const give = page.getByRole('button', { name: /の返却を記録/ });
  if ((await give.count()) === 0) return;
  await give.first().click();
  await expect(page.getByText(/返却を記録しました|貸し出されていません|返却/).first()).toBeVisible();
}

/** Records an entry of `who` into the counter unless this tablet shows them inside. */
async function enter(page, who) {
  await tab(page, '入退室管理簿');
  await chooseRoom(page, '住民窓口');
  if ((await insideRow(page, who.name).count()) > 0) return;
  await fillEntry(page, { name: who.name, affiliation: who.affiliation, purpose: '窓口業務' });
  await page.click('#record-entry');
  await expect(insideRow(page, who.name).or(page.locator('.field-error')).first()).toBeVisible();
}

/** Records the exit of `who` if this tablet shows them inside the counter. */
async function leave(page, who) {
  await tab(page, '入退室管理簿');
  await chooseRoom(page, '住民窓口');
  const exit = exitButton(page, who.name);
  if ((await exit.count()) === 0) return;
  // Two tablets offline may each have let the same person in: either line may be closed.
  await exit.first().click();
  await expect(page.getByRole('alert').or(page.locator('[role="status"]')).first()).toBeVisible();
}

/** Flips through pages without waiting for any to be read: the tablet's own sync (after a
 *  write, or on coming back online) answers into pages already left. */
async function flip(page, pick) {
  for (let n = 0; n < 3; n++) {
    await page.getByRole('button', { name: pick(PAGES), exact: true }).click();
  }
}

/** Head office set up and enrolled, two more tablets joined (the last `ahead` ms ahead):
 *  [pages, contexts]. */
async function threeTablets(browser, server, errors, ahead = 0) {
  const contexts = [await browser.newContext(), await browser.newContext(), await browser.newContext()];
  const hq = await contexts[0].newPage();
  watchErrors(hq, 'tablet 0', errors);
  await openApp(hq, `${server.base}/#/entry-log`);
  await keyTown(hq);
  await enroll(hq, server.enrollmentCode());
  const pages = [hq];
  for (const [i, context] of contexts.slice(1).entries()) {
    const page = await join(context, server, i === 1 ? ahead : 0);
    watchErrors(page, `tablet ${i + 1}`, errors);
    pages.push(page);
  }
  return [pages, contexts];
}

test('three tablets used at random: no panic, no error, and the same logbooks once synced', async ({ browser }) => {
  test.setTimeout(420_000);
  const server = await new TestServer(PORT + 21).start();
  const errors = [];
  const next = random(Number(process.env.CHAOS_SEED || 13));
  const pick = (items) => items[Math.floor(next() * items.length)];
  const [pages, contexts] = await threeTablets(browser, server, errors);
  const offline = [false, false, false];
  try {
    const rounds = Number(process.env.CHAOS_ROUNDS || 40);
    for (let round = 0; round < rounds; round++) {
      const i = Math.floor(next() * 3);
      const page = pages[i];
      const act = pick(['offline', 'offline', 'reload', 'page', 'flip', 'enter', 'enter', 'leave', 'lend', 'return', 'sync']);
      if (act === 'offline') {
        offline[i] = !offline[i];
        await contexts[i].setOffline(offline[i]);
        // Back online, the tablet syncs by itself at once: move on under it.
        if (!offline[i]) await flip(page, pick);
      } else if (act === 'reload') {
        await page.reload();
        await signInIfAsked(page);
        await expect(page.locator('[data-ready="true"]')).toBeVisible();
      } else if (act === 'page') {
        await tab(page, pick(PAGES));
      } else if (act === 'flip') {
        await flip(page, pick);
      } else if (act === 'enter') {
        await enter(page, pick([YAMADA, SATO]));
      } else if (act === 'leave') {
        await leave(page, pick([YAMADA, SATO]));
      } else if (act === 'lend') {
        await lendKey(page, YAMADA);
      } else if (act === 'return') {
        await returnKey(page);
      } else if (!offline[i]) {
        await syncByHand(page);
      }
      // Another tablet moves on while this one's sync or write is still settling.
      await tab(pages[(i + 1) % 3], pick(PAGES));
    }
    for (const [i, context] of contexts.entries()) {
      offline[i] = false;
      await context.setOffline(false);
    }
    for (let pass = 0; pass < 2; pass++) {
      for (const page of pages) await syncAll(page);
    }
    const entries = [];
    const loans = [];
    for (const page of pages) {
      entries.push(await shownRows(page, '入退室管理簿', 'table.logbook'));
      loans.push(await shownRows(page, '鍵の管理簿', 'table.key-log-table'));
    }
    expect(entries[0].length).toBeGreaterThan(0);
    expect(entries[1]).toEqual(entries[0]);
    expect(entries[2]).toEqual(entries[0]);
    expect(loans[1]).toEqual(loans[0]);
    expect(loans[2]).toEqual(loans[0]);
    expect(errors).toEqual([]);
  } finally {
    for (const context of contexts) await context.close();
    await server.stop();
  }
});

test('a key returned on two tablets offline, a minute apart, shows the same return on every tablet', async ({ browser }) => {
  test.setTimeout(180_000);
  const server = await new TestServer(PORT + 22).start();
  const errors = [];
  // The third tablet's clock is a minute ahead: its return comes a minute after head office's.
  const [pages, contexts] = await threeTablets(browser, server, errors, 60_000);
  const [hq, branch, third] = pages;
  try {
    await lendKey(hq, YAMADA);
    for (const page of [hq, branch, third, hq]) await syncAll(page);
    await contexts[0].setOffline(true);
    await contexts[2].setOffline(true);
    // Head office takes the key back; the third tablet, a minute later by its own clock,
    // records the return too (neither knows of the other).
    await returnKey(hq);
    await returnKey(third);
    await contexts[0].setOffline(false);
    await contexts[2].setOffline(false);
    for (let pass = 0; pass < 2; pass++) {
      for (const page of pages) await syncAll(page);
    }
    const logbooks = [];
    for (const page of pages) logbooks.push(await shownRows(page, '鍵の管理簿', 'table.key-log-table'));
    expect(logbooks[0].length).toBe(1);
    expect(logbooks[1]).toEqual(logbooks[0]);
    expect(logbooks[2]).toEqual(logbooks[0]);
    expect(errors).toEqual([]);
  } finally {
    for (const context of contexts) await context.close();
    await server.stop();
  }
});
