// Steps shared by the end-to-end tests: what a clerk does, and what the store holds.
import { expect } from '@playwright/test';
import { readFileSync } from 'node:fs';

/** The first staff member, registered at the first run. */
export const ADMIN = { name: '管理 一郎', affiliation: '総務課', pin: '2468' };

/** Opens the app, signs in (registering ADMIN on a first run) and waits until it is usable. */
export async function openApp(page, url = '/#/entry-log') {
  await page.goto(url);
  await signInIfAsked(page);
  await expect(page.locator('[data-ready="true"]')).toBeVisible();
}

/** Registers a person on 職員・来訪者 (with a PIN if `who.pin` is given). */
export async function addPerson(page, who) {
  await tab(page, '職員・来訪者');
  await page.fill('#person-name', who.name);
  await page.fill('#person-affiliation', who.affiliation);
  if (who.pin) await page.fill('#person-pin', who.pin);
  if (who.visitor) await page.check('#person-visitor');
  await page.click('#add-person');
  await expect(page.locator(`tr[data-person="${who.name}"]`)).toBeVisible();
}

/** Answers the first-run setup or the sign-in screen, if the app shows one. */
export async function signInIfAsked(page, who = ADMIN) {
  const screen = await page.waitForSelector('[data-screen], [data-ready="true"]');
  const kind = await screen.getAttribute('data-screen');
  if (kind === 'setup') {
    await page.fill('#setup-name', who.name);
    await page.fill('#setup-affiliation', who.affiliation);
    await page.fill('#setup-pin', who.pin);
    await page.fill('#setup-pin-again', who.pin);
    await page.click('#setup');
  } else if (kind === 'sign-in') {
    await signIn(page, who);
  }
}

export async function signIn(page, who = ADMIN, pin = who.pin) {
  await page.locator('.person', { hasText: who.name }).click();
  await page.fill('#pin', pin);
  await page.click('#sign-in');
}

/** The events of the device's IndexedDB, as stored. */
export async function storedEvents(page) {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('daicho');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const all = db.transaction('events').objectStore('events').getAll();
          all.onsuccess = () => {
            db.close();
            resolve(all.result);
          };
          all.onerror = () => reject(all.error);
        };
      }),
  );
}

/** Waits until the service worker controls the page (the app shell is cached). */
export async function waitForServiceWorker(page) {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

export async function chooseRoom(page, name) {
  await page.getByRole('button', { name: new RegExp(name) }).click();
  await expect(page.locator('.form-room')).toContainText(name);
}

/** The label of a person in the selects: 氏名（所属）. */
export const option = (who) => ({ label: `${who.name}（${who.affiliation}）` });

/** Staff of the test town (permitted into 住民窓口 by counterTown). */
export const YAMADA = { name: '山田 太郎', affiliation: '総務課' };
export const SATO = { name: '佐藤 花子', affiliation: '福祉課' };

/** Records a term of office on 職と役割 (open to the first administrator during setup). */
export async function recordTenure(page, position, holder, from = '2024-04-01') {
  await tab(page, '職と役割');
  await page.selectOption('#tenure-position', { label: position });
  await page.selectOption('#tenure-holder', option(holder));
  await page.fill('#tenure-from', from);
  await page.click('#record-tenure');
  await expect(page.locator('.tenure-form .status')).toBeVisible();
}

/** Grants a standing permission on 入室許可 (the operator must be the room's entry manager). */
export async function grantPermission(page, who, room = '住民窓口（レベル1）') {
  await tab(page, '入室許可');
  await page.selectOption('#standing-person', option(who));
  await page.selectOption('#standing-room', { label: room });
  await page.click('#grant-standing');
  await expect(page.locator('.standing-form .status')).toContainText('入室を許可しました');
}

/**
 * The town most logbook tests need: ADMIN is 住民税務課長 (so the entry manager of the
 * level-1 counter room, 第18条), and each of `people` is registered and permitted into it.
 */
/** `who` entered into the room chosen while the logbook shows them inside another: the door
 *  warns (第19条第1項) and records nothing; confirmed, the entry is recorded (an exception). */
export async function enterWhileInside(page, who) {
  await fillEntry(page, who);
  await page.click('#record-entry');
  await expect(page.locator('.field-error[data-field="Name"]')).toContainText('第19条第1項');
  await expect(insideRow(page, who.name)).toHaveCount(0);
  await page.check('#entry-confirm-elsewhere');
  await page.click('#record-entry');
  await expect(insideRow(page, who.name)).toBeVisible();
}

/** The Nakayubetsu branch's counter (level 1), with `who` permitted into it. */
export async function addBranchCounter(page, who) {
  await tab(page, '室・鍵');
  await page.fill('#room-name', '中湧別出張所 窓口');
  await page.fill('#room-place', '中湧別出張所');
  await page.selectOption('#room-level', '1');
  await page.click('#save-room');
  await expect(page.locator('.room-form .status')).toContainText('中湧別出張所 窓口を記録しました');
  await grantPermission(page, who, '中湧別出張所 窓口（レベル1）');
}

export async function counterTown(page, people = [YAMADA, SATO], url = '/#/entry-log') {
  await openApp(page, url);
  await recordTenure(page, '住民税務課長', ADMIN);
  for (const who of people) {
    await addPerson(page, who);
    if (!who.visitor) await grantPermission(page, who);
  }
  await tab(page, '入退室管理簿');
}

/** Fills the entry form: `name` picks the person registered under that name (with
 *  `affiliation`, default 総務課); the name tag is confirmed by the record button itself. */
export async function fillEntry(page, { name, affiliation = '総務課', purpose = '窓口業務', escort }) {
  if (name) await page.selectOption('#entry-person', option({ name, affiliation }));
  if (escort) await page.selectOption('#entry-escort', option(escort));
  await page.fill('#entry-purpose', purpose);
}

export async function recordEntry(page, person) {
  await fillEntry(page, person);
  await page.click('#record-entry');
  await expect(insideRow(page, person.name)).toBeVisible();
}

export function insideRow(page, name) {
  return page.locator('.inside-row', { hasText: name });
}

export function exitButton(page, name) {
  return page.getByRole('button', { name: `${name}さんの退室を記録` });
}

export function logRows(page) {
  return page.locator('table.logbook tbody tr');
}

/** Sets the record time to `minutes` from now (JST, as the clerk would type it). */
export async function chooseTime(page, minutes) {
  if (!(await page.locator('#record-time').isVisible())) await page.click('#choose-time');
  const value = await page.evaluate((m) => {
    const jst = new Date(Date.now() + m * 60_000 + 9 * 3600_000);
    return jst.toISOString().slice(0, 16);
  }, minutes);
  await page.fill('#record-time', value);
}

/** How many events the device's IndexedDB holds: proof that a refusal stored nothing. */
export async function eventCount(page) {
  return (await storedEvents(page)).length;
}

/** Collects every request of the page that fails or answers with an error status. */
export function watchFailures(page) {
  const failures = [];
  // A request the page's own reload cancels (an icon still loading) is not a failure.
  page.on('requestfailed', (r) => {
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') failures.push(`${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) failures.push(`${r.url()} ${r.status()}`);
  });
  page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
  return failures;
}

/** Opens a page or register by its button in the nav. */
export async function tab(page, name) {
  await page.getByRole('button', { name, exact: true }).click();
  // The click only starts the change of page: wait until this tab's page is on screen and read.
  await expect(page.locator(`.page[data-tab="${name}"] > [data-ready="true"]`)).toBeVisible();
}

/** Enrolls the device on 端末と同期 with a one-time `code` and waits until its first sync (by
 *  itself) has sent everything. */
export async function enroll(page, code) {
  await tab(page, '端末と同期');
  await page.fill('#enroll-name', '本庁 タブレット1');
  await page.fill('#enroll-code', code);
  await page.click('#enroll');
  await expect(page.locator('.sync-state .pending')).toHaveAttribute('data-pending', '0', { timeout: 20_000 });
}

/** 今すぐ同期 on 端末と同期, waiting for its report. */
export async function syncByHand(page) {
  await tab(page, '端末と同期');
  await page.click('#sync-now');
  await expect(page.locator('.sync-page > .card .status')).toContainText('受信しました');
}

/** A platform authenticator with a fingerprint reader that recognises the finger. */
export async function addAuthenticator(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

/** The level-2 room with a key, as the selects label them. */
export const SERVER_ROOM = '電算室（サーバ室）（レベル2）';
export const SERVER_ROOM_KEY = '電算室 1号鍵（電算室（サーバ室））';

/** A town of tablets: ADMIN is every manager; 山田 and 佐藤 may enter the counter, 山田 the
 *  server room, whose key is registered. */
export async function keyTown(page) {
  await recordTenure(page, '総務課長', ADMIN);
  await recordTenure(page, '住民税務課長', ADMIN);
  await recordTenure(page, '副町長', ADMIN);
  for (const who of [YAMADA, SATO]) {
    await addPerson(page, who);
    await grantPermission(page, who);
  }
  await grantPermission(page, YAMADA, SERVER_ROOM);
  await defineServerKey(page);
}

/** Registers the server room's key, 電算室 1号鍵, on 鍵の管理簿. */
export async function defineServerKey(page) {
  await tab(page, '鍵の管理簿');
  await page.selectOption('#key-room', { label: SERVER_ROOM });
  await page.fill('#key-label', '電算室 1号鍵');
  await page.click('#define-key');
  await expect(page.locator('.key-form .status')).toContainText('鍵を登録しました');
}

/** Fills and submits the loan of the server room's key to `who` on 鍵の管理簿. */
export async function submitLoan(page, who) {
  await tab(page, '鍵の管理簿');
  await page.selectOption('#lend-key', { label: SERVER_ROOM_KEY });
  await page.selectOption('#lend-person', option(who));
  await page.fill('#lend-purpose', 'サーバ点検');
  await page.click('#lend');
}

/** The lines of a logbook as shown (text of each row), once its page has been read: the tab's
 *  click only starts the route change, so the page left behind may still be on screen. */
export async function shownRows(page, register, table) {
  await tab(page, register);
  const count = page.locator('.log-count[data-total]');
  await expect(count).toBeVisible();
  const total = Number(await count.getAttribute('data-total'));
  const lines = page.locator(`${table} tbody tr`);
  await expect(lines).toHaveCount(total);
  return lines.allInnerTexts();
}

/** A sync by hand, after which nothing of the device waits to be sent. */
export async function syncAll(page) {
  await syncByHand(page);
  await expect(page.locator('.sync-state .pending')).toHaveAttribute('data-pending', '0', { timeout: 15_000 });
}

/**
 * The layout shifts the page has had so far, without those right after an input (as CLS
 * counts them): their sum, an upper bound of the CLS, and what moved.
 */
export async function layoutShifts(page) {
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        const shifts = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) {
            if (e.hadRecentInput) continue;
            const moved = e.sources.map((s) => s.node?.nodeName + '.' + (s.node?.className ?? ''));
            shifts.push({ value: e.value, moved });
          }
        }).observe({ type: 'layout-shift', buffered: true });
        // Buffered entries arrive in a task of their own.
        setTimeout(() => resolve({ total: shifts.reduce((t, s) => t + s.value, 0), shifts }), 200);
      }),
  );
}

/** A day's work on an enrolled tablet, recorded in Japanese: terms, staff, the server room's key
 *  lent and returned, an entry at the counter and its exit, and a correction of that line (its
 *  record page left open, with three events). */
export async function aDaysWork(page, url, enrollmentCode) {
  await openApp(page, url);
  await keyTown(page);
  await enroll(page, enrollmentCode);
  await submitLoan(page, YAMADA);
  await expect(page.locator('.lend-form .status')).toContainText('貸出を記録しました');
  await page.getByRole('button', { name: '電算室 1号鍵（電算室（サーバ室））の返却を記録' }).click();
  await tab(page, '入退室管理簿');
  await chooseRoom(page, '住民窓口');
  await recordEntry(page, YAMADA);
  await exitButton(page, YAMADA.name).click();
  await logRows(page).first().getByRole('link', { name: YAMADA.name }).click();
  await page.selectOption('#correction-field', { label: '目的' });
  await page.fill('#correction-value', '窓口相談');
  await page.fill('#correction-reason', '目的の誤記');
  await page.click('#record-correction');
  await expect(page.locator('.history-event')).toHaveCount(3);
}

/** Any UUID-shaped text: what no screen, print or CSV a person reads may show. */
export const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** Downloads the CSV of register `what` from its button: its lines, split into cells (UTF-8
 *  with a BOM, every field quoted, no id). */
export async function csvOf(page, what) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#${what}-csv`)]);
  const bytes = readFileSync(await download.path());
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = bytes.subarray(3).toString('utf8');
  expect(text).not.toMatch(UUID);
  const lines = text.trimEnd().split('\r\n');
  return lines.map((line) => line.slice(1, -1).split('","'));
}
