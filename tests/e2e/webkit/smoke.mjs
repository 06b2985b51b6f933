// A smoke test of Daichō in WebKitGTK (Safari's engine) through WebKitWebDriver: the first
// setup, one entry that survives a reload (IndexedDB), and the device's enrollment and first
// sync. Run by tools/webkit-smoke.sh, which starts Xvfb, the driver and the server; Node 18+,
// no npm dependencies (a small W3C WebDriver client over fetch is below).
//
// Environment (tools/webkit-smoke.sh sets all of them):
//   WEBDRIVER_URL   the driver, e.g. http://127.0.0.1:4445
//   APP_URL         the app, e.g. http://localhost:8390
//   DAICHO_SERVER   the server binary (for `enroll-token`)
//   DATA_DIR        the server's data directory (for `enroll-token`)
//   BROWSER_BINARY  the browser the driver starts (MiniBrowser)
//   OUT_DIR         where a failure's screenshot goes
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is not set (run tools/webkit-smoke.sh)`);
  return value;
};
const WD = env('WEBDRIVER_URL', 'http://127.0.0.1:4445').replace(/\/$/, '');
const APP = env('APP_URL', 'http://localhost:8390').replace(/\/$/, '');
const SERVER = env('DAICHO_SERVER');
const DATA_DIR = env('DATA_DIR');
const BROWSER = env('BROWSER_BINARY', '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser');
const OUT_DIR = env('OUT_DIR', 'target/webkit-smoke');

/** As tests/e2e/helpers.mjs: the first staff member, and the one entering the counter. */
const ADMIN = { name: '管理 一郎', affiliation: '総務課', pin: '2468' };
const YAMADA = { name: '山田 太郎', affiliation: '総務課' };
const COUNTER = '住民窓口（レベル1）';
const DEVICE_NAME = '本庁 タブレット1';
const label = (who) => `${who.name}（${who.affiliation}）`;

const WAIT_MS = 15_000;
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

// ---------------------------------------------------------------------------------------------
// A W3C WebDriver client: only what this test needs.

class WebDriverError extends Error {}

let session = null;

async function wd(method, path, body) {
  const url = path.startsWith('/session/') || path === '/session' || path === '/status' ? `${WD}${path}` : `${WD}/session/${session}${path}`;
  let res;
  try {
    res = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(120_000),
    });
  } catch (e) {
    throw new WebDriverError(`WebDriver ${method} ${path}: ${e.cause?.message ?? e.message}`);
  }
  const json = await res.json().catch(() => ({}));
  if (!res.ok || json.value?.error) {
    const v = json.value ?? {};
    const err = new WebDriverError(`WebDriver ${method} ${path}: ${v.error ?? res.status}: ${v.message ?? ''}`.trim());
    err.code = v.error;
    throw err;
  }
  return json.value;
}

async function newSession() {
  const value = await wd('POST', '/session', {
    capabilities: {
      alwaysMatch: {
        browserName: 'MiniBrowser',
        pageLoadStrategy: 'normal',
        'webkitgtk:browserOptions': { binary: BROWSER, args: ['--automation'] },
      },
    },
  });
  session = value.sessionId;
  return value.capabilities;
}

async function endSession() {
  if (!session) return;
  try {
    await wd('DELETE', `/session/${session}`);
  } catch {
    // The driver goes with the script's trap anyway.
  }
  session = null;
}

/** Runs `fn` (a function's source, called with `args`) in the page; elements come back as
 *  WebDriver references, which pass back in as elements. */
function js(fn, ...args) {
  return wd('POST', '/execute/sync', { script: `return (${fn}).apply(null, arguments);`, args });
}

async function screenshot(file) {
  const png = await wd('GET', '/screenshot');
  writeFileSync(file, Buffer.from(png, 'base64'));
}

// ---------------------------------------------------------------------------------------------
// What a clerk does, as in tests/e2e/helpers.mjs.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns something truthy (or `timeout`); the message names `what`,
 *  the last error of the check and any error the page shows. */
async function waitFor(what, check, timeout = WAIT_MS) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      last = undefined;
    } catch (e) {
      if (e.fatal || (e instanceof WebDriverError && /no such window|invalid session/.test(e.message))) throw e;
      last = e;
    }
    if (Date.now() > end) break;
    await sleep(100);
  }
  let shown = '';
  try {
    shown = await pageErrors();
  } catch {
    // The page may be gone: the message says what was waited for.
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? ` (${last.message})` : ''}${shown}`);
}

/** The alerts the page shows and the script errors it had, for a failure's message. */
async function pageErrors() {
  const { alerts, errors } = await js(() => ({
    alerts: [...document.querySelectorAll('[role="alert"], .form-error, .field-error')]
      .filter((e) => e.getClientRects().length > 0)
      .map((e) => e.textContent.trim())
      .filter(Boolean),
    errors: window.__smokeErrors ?? [],
  }));
  let out = '';
  if (alerts.length) out += `\n    the page shows: ${alerts.join(' | ')}`;
  if (errors.length) out += `\n    page errors: ${errors.join(' | ')}`;
  return out;
}

/** The first element matching `css` that is on screen (with `text` in it, or exactly `text`
 *  when `exact`), or null. */
function findVisible(css, { text, exact = false } = {}) {
  return js(
    (css, text, exact) => {
      for (const el of document.querySelectorAll(css)) {
        const style = getComputedStyle(el);
        if (el.getClientRects().length === 0 || style.visibility === 'hidden') continue;
        const content = el.textContent.trim();
        if (text != null && (exact ? content !== text : !content.includes(text))) continue;
        return el;
      }
      return null;
    },
    css,
    text ?? null,
    exact,
  );
}

const describe = (css, opts = {}) => (opts.text ? `${css} with "${opts.text}"` : css);

async function element(css, opts = {}) {
  const el = await waitFor(`${describe(css, opts)} on screen`, () => findVisible(css, opts), opts.timeout);
  return el[ELEMENT];
}

async function visible(css, opts = {}) {
  await element(css, opts);
}

/** Clicks (a WebDriver click: scrolled into view, a real pointer event), again while something
 *  covers the element for a moment. */
async function click(css, opts = {}) {
  await waitFor(`a click on ${describe(css, opts)}`, async () => {
    const el = await findVisible(css, opts);
    if (!el) return false;
    try {
      await wd('POST', `/element/${el[ELEMENT]}/click`, {});
      return true;
    } catch (e) {
      if (['element click intercepted', 'stale element reference', 'element not interactable'].includes(e.code)) throw e;
      throw Object.assign(e, { fatal: true });
    }
  });
}

/** Types `value` into a field (cleared first) through the driver's keyboard, and checks the field
 *  holds it. A date field is set as Playwright's fill sets it: its value, then input and change. */
async function fill(css, value) {
  const id = await element(css);
  const type = await js((el) => el.type, { [ELEMENT]: id });
  if (type === 'date' || type === 'time' || type === 'datetime-local') {
    await js(
      (el, v) => {
        el.focus();
        el.value = v;
        el.dispatchEvent(new Event('input', { bubbles: true }));
        el.dispatchEvent(new Event('change', { bubbles: true }));
      },
      { [ELEMENT]: id },
      value,
    );
  } else {
    await wd('POST', `/element/${id}/clear`, {});
    await wd('POST', `/element/${id}/value`, { text: value });
  }
  const now = await js((el) => el.value, { [ELEMENT]: id });
  if (now !== value) throw new Error(`${css} holds "${now}" after typing "${value}"`);
}

/** Chooses the option labelled `text` of a select by clicking it, as WebDriver selects (input
 *  and change follow), and checks the select shows it. */
async function select(css, text) {
  await waitFor(`option "${text}" in ${css}`, async () => {
    const option = await js(
      (css, text) => {
        const select = document.querySelector(css);
        if (!select || select.getClientRects().length === 0) return null;
        return [...select.options].find((o) => o.label === text || o.textContent.trim() === text) ?? null;
      },
      css,
      text,
    );
    if (!option) return false;
    // Drawn again between finding and clicking (stale): found and clicked again.
    await wd('POST', `/element/${option[ELEMENT]}/click`, {});
    return true;
  });
  await waitFor(`${css} to show "${text}"`, () =>
    js((css, text) => {
      const select = document.querySelector(css);
      return select.selectedOptions[0]?.label === text || select.selectedOptions[0]?.textContent.trim() === text;
    }, css, text),
  );
}

async function textOf(css) {
  return js((css) => document.querySelector(css)?.textContent.trim() ?? null, css);
}

/** Waits until the text of `css` contains (or, `exact`, is) `text`. */
async function hasText(css, text, { exact = false, timeout } = {}) {
  let seen = null;
  try {
    await waitFor(
      `${css} to ${exact ? 'read' : 'contain'} "${text}"`,
      async () => {
        seen = await textOf(css);
        return seen !== null && (exact ? seen === text : seen.includes(text));
      },
      timeout,
    );
  } catch (e) {
    e.message += seen === null ? `\n    ${css} is not on the page` : `\n    ${css} reads "${seen}"`;
    throw e;
  }
}

/** Catches the page's script errors from now on (until the next load). */
async function watchErrors() {
  await js(() => {
    if (window.__smokeErrors) return;
    window.__smokeErrors = [];
    addEventListener('error', (e) => window.__smokeErrors.push(String(e.message)));
    addEventListener('unhandledrejection', (e) => window.__smokeErrors.push(`unhandled rejection: ${e.reason}`));
  });
}

/** Opens a page or register by its button in the nav, and waits until that page is read. */
async function tab(name) {
  await click('button.tab', { text: name, exact: true });
  await visible(`.page[data-tab="${name}"] > [data-ready="true"]`);
}

/** Answers the first-run setup or the sign-in screen, if the app shows one. */
async function signInIfAsked(who = ADMIN) {
  const kind = await waitFor('the setup, sign-in or a ready page', () =>
    js(() => {
      const screen = document.querySelector('[data-screen]');
      if (screen && screen.getClientRects().length) return screen.getAttribute('data-screen');
      return document.querySelector('[data-ready="true"]') ? 'ready' : null;
    }),
  );
  if (kind === 'setup') {
    await fill('#setup-name', who.name);
    await fill('#setup-affiliation', who.affiliation);
    await fill('#setup-pin', who.pin);
    await fill('#setup-pin-again', who.pin);
    await click('#setup');
  } else if (kind === 'sign-in') {
    await click('.person', { text: who.name });
    await fill('#pin', who.pin);
    await click('#sign-in');
  }
  return kind;
}

function enrollmentCode() {
  // stderr says how long the code is valid: kept out of the test's output.
  return execFileSync(SERVER, ['--data-dir', DATA_DIR, 'enroll-token'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

// ---------------------------------------------------------------------------------------------
// The story.

const started = performance.now();
const ms = (since) => `${Math.round(performance.now() - since)} ms`.padStart(9);
let number = 0;

async function step(name, fn) {
  number += 1;
  const t = performance.now();
  try {
    const note = await fn();
    console.log(`  ok  ${String(number).padStart(2)}. ${name}${note ? ` (${note})` : ''} ${ms(t)}`);
  } catch (e) {
    console.log(`  FAIL ${String(number).padStart(2)}. ${name} ${ms(t)}`);
    e.step = `${number}. ${name}`;
    throw e;
  }
}

async function main() {
  await step('start the browser (WebDriver session)', async () => {
    const caps = await newSession();
    await wd('POST', '/window/rect', { width: 1180, height: 900 });
    return `${caps.browserName} ${caps.browserVersion}`;
  });

  await step('load the app: the first-run setup is shown', async () => {
    await wd('POST', '/url', { url: `${APP}/#/entry-log` });
    await watchErrors();
    await visible('[data-screen="setup"]');
    const ua = await js(() => navigator.userAgent);
    return ua.match(/AppleWebKit\/[\d.]+/)?.[0];
  });

  await step('first setup: register the first staff member with a PIN and sign in', async () => {
    const kind = await signInIfAsked(ADMIN);
    if (kind !== 'setup') throw new Error(`expected the first-run setup, the app showed ${kind}`);
    await hasText('.operator', ADMIN.name);
    await visible('[data-ready="true"]');
  });

  await step('職と役割: record 住民税務課長 (the counter\'s entry manager)', async () => {
    await tab('職と役割');
    await select('#tenure-position', '住民税務課長');
    await select('#tenure-holder', label(ADMIN));
    await fill('#tenure-from', '2024-04-01');
    await click('#record-tenure');
    await visible('.tenure-form .status');
  });

  await step(`職員・来訪者: add ${YAMADA.name}`, async () => {
    await tab('職員・来訪者');
    await fill('#person-name', YAMADA.name);
    await fill('#person-affiliation', YAMADA.affiliation);
    await click('#add-person');
    await visible(`tr[data-person="${YAMADA.name}"]`);
  });

  await step(`入室許可: permit ${YAMADA.name} into 住民窓口`, async () => {
    await tab('入室許可');
    await select('#standing-person', label(YAMADA));
    await select('#standing-room', COUNTER);
    await click('#grant-standing');
    await hasText('.standing-form .status', '入室を許可しました');
  });

  await step(`入退室管理簿: record ${YAMADA.name}'s entry into 住民窓口`, async () => {
    await tab('入退室管理簿');
    await click('button.room', { text: '住民窓口' });
    await hasText('.form-room', '住民窓口');
    await select('#entry-person', label(YAMADA));
    await fill('#entry-purpose', '窓口業務');
    await click('#record-entry');
    await visible('.inside-row', { text: YAMADA.name });
  });

  await step('reload: the entry is still inside (IndexedDB)', async () => {
    await wd('POST', '/refresh', {});
    await watchErrors();
    const kind = await signInIfAsked(ADMIN);
    await visible('.page[data-tab="入退室管理簿"] > [data-ready="true"]');
    if (!(await findVisible('.inside-row', { text: YAMADA.name }))) {
      // The room chosen is remembered; if not, choose it again.
      await click('button.room', { text: '住民窓口' });
    }
    await visible('.inside-row', { text: YAMADA.name });
    const purpose = await textOf('.inside-row .purpose');
    if (purpose !== '窓口業務') throw new Error(`the row's purpose reads "${purpose}"`);
    const worker = await js(() => navigator.serviceWorker?.controller != null);
    return `${kind === 'sign-in' ? 'signed in again' : 'still signed in'}; service worker ${worker ? 'controls the page' : 'not controlling'}`;
  });

  await step('端末と同期: enroll with a one-time code', async () => {
    await tab('端末と同期');
    await hasText('.sync-state .enrolled', '未登録', { exact: true });
    const code = enrollmentCode();
    await fill('#enroll-code', code);
    // A device name, once the form asks for one (an upcoming change).
    const named = await findVisible('#enroll-name');
    if (named) await fill('#enroll-name', DEVICE_NAME);
    await click('#enroll');
    await hasText('.enroll-form .status', 'この端末を登録しました');
    await hasText('.sync-state .enrolled', '登録済み', { exact: true });
    return named ? `named ${DEVICE_NAME}` : 'no device-name field';
  });

  await step('the first sync sends everything: pending 0', async () => {
    await waitFor(
      '.sync-state .pending[data-pending="0"]',
      async () => (await js(() => document.querySelector('.sync-state .pending')?.dataset.pending)) === '0',
      20_000,
    );
    const error = await textOf('.sync-state .last-error');
    if (error !== 'なし') throw new Error(`the last sync error reads "${error}"`);
  });

  await step('no script errors on the page', async () => {
    const errors = await js(() => window.__smokeErrors ?? []);
    if (errors.length) throw new Error(`page errors: ${errors.join(' | ')}`);
    // The last screen, for whoever wants to see how WebKit draws it.
    mkdirSync(OUT_DIR, { recursive: true });
    await screenshot(join(OUT_DIR, 'passed.png'));
  });
}

let failed = false;
try {
  await main();
} catch (e) {
  failed = true;
  console.log(`\nwebkit-smoke: FAILED at step ${e.step ?? '(setup)'}\n  ${e.message}`);
  if (session) {
    try {
      mkdirSync(OUT_DIR, { recursive: true });
      const file = join(OUT_DIR, `failure-${new Date().toISOString().replace(/[:.]/g, '-')}.png`);
      await screenshot(file);
      console.log(`  screenshot: ${file}`);
    } catch (s) {
      console.log(`  (no screenshot: ${s.message})`);
    }
  }
} finally {
  await endSession();
}
console.log(`webkit-smoke: ${failed ? 'FAILED' : 'passed'} in ${ms(started).trim()}`);
process.exit(failed ? 1 : 0);
