// Bytes on the wire of a first visit, in a fresh profile: every request of the page AND of its
// service worker (whose precache requests a page-level recorder never sees), as the browser
// counts them (CDP `Network.loadingFinished.encodedDataLength`: headers and body as received),
// beside "the compressed size of the build's files" (each file as the server would send it: its
// .br, or the raw file where there is none).
//
// Why a CDP client of its own over --remote-debugging-pipe rather than Playwright: a service
// worker is a target of its own, and its first requests start as soon as it is installed. Only a
// browser-level `Target.setAutoAttach` with `waitForDebuggerOnStart` holds each new target until
// its network is recorded; Playwright keeps the sessions it attaches that way to itself.
//
// Check that nothing is missed: the browser talks to the server through a counting TCP proxy,
// and its count of the bytes the server sent is printed beside the CDP sum. They differ by the
// service worker's own script (sw.js, under 1 KB brotli), which the browser fetches before the
// worker's target exists and CDP reports with almost no bytes; a missed precache request
// would show as hundreds of KB.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { chromiumArgs } from '../playwright.config.mjs';

/** A TCP proxy on 127.0.0.1 to `port` that counts the bytes going each way. */
async function countingProxy(port) {
  const counts = { fromServer: 0, toServer: 0, connections: 0 };
  const sockets = new Set();
  const server = createServer((client) => {
    counts.connections++;
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.on('data', (d) => { counts.toServer += d.length; });
    upstream.on('data', (d) => { counts.fromServer += d.length; });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: server.address().port,
    counts,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(r));
    },
  };
}

/** Chromium with CDP over a pipe (fd 3 in, fd 4 out, messages NUL-terminated), in `profile`. */
function launchChromium(profile) {
  const child = spawn('/usr/bin/chromium', [
    ...chromiumArgs, '--headless', '--no-sandbox', '--remote-debugging-pipe',
    `--user-data-dir=${profile}`, 'about:blank',
  ], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
  const [toBrowser, fromBrowser] = [child.stdio[3], child.stdio[4]];
  let nextId = 1;
  const pending = new Map();
  const listeners = [];
  let buffer = '';
  fromBrowser.on('data', (chunk) => {
    buffer += chunk.toString('utf8');
    let end;
    while ((end = buffer.indexOf('\0')) >= 0) {
      const message = JSON.parse(buffer.slice(0, end));
      buffer = buffer.slice(end + 1);
      if (message.id && pending.has(message.id)) {
        const { resolve, reject, method } = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result);
      } else if (message.method) {
        for (const listen of listeners) listen(message);
      }
    }
  });
  const send = (method, params = {}, sessionId) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject, method });
    toBrowser.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
  });
  return {
    send,
    on: (listen) => listeners.push(listen),
    close: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      await send('Browser.close').catch(() => {});
      await exited;
    },
  };
}

/** The size of each of the build's files as the server sends it to a browser that accepts
 *  brotli: the precompressed .br beside it, or the file itself (png, and anything without). */
export function buildFiles(dist) {
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (!name.endsWith('.br') && !name.endsWith('.gz')) {
        const br = existsSync(`${path}.br`);
        files.push({
          name: `/${relative(dist, path)}`,
          raw: statSync(path).size,
          sent: br ? statSync(`${path}.br`).size : statSync(path).size,
          as: br ? 'br' : 'identity',
        });
      }
    }
  };
  walk(dist);
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

/** One first visit of `baseURL` (the server's port on 127.0.0.1) in a fresh profile: opens the
 *  page, waits until its service worker is active and the network has been quiet for `quietMs`,
 *  and returns every request with the bytes the browser received for it. */
export async function firstVisit(baseURL, { quietMs = 2000, timeoutMs = 60_000 } = {}) {
  const proxy = await countingProxy(Number(new URL(baseURL).port));
  const url = `http://localhost:${proxy.port}/`;
  const profile = mkdtempSync(join(tmpdir(), 'daicho-wire-'));
  const browser = launchChromium(profile);
  const targets = new Map(); // sessionId → target type
  const requests = new Map(); // sessionId:requestId → what the browser saw
  let lastActivity = Date.now();
  const request = (sessionId, requestId) => {
    const key = `${sessionId}:${requestId}`;
    if (!requests.has(key)) requests.set(key, { target: targets.get(sessionId), done: false });
    lastActivity = Date.now();
    return requests.get(key);
  };
  const pages = new Map(); // targetId → sessionId of each page attached
  const attachedTargets = new Set();
  browser.on(async ({ method, params, sessionId }) => {
    if (method === 'Target.attachedToTarget') {
      const { sessionId: child, targetInfo, waitingForDebugger } = params;
      // A service worker is attached twice (as the browser's and as the page's): record it once.
      const first = !attachedTargets.has(targetInfo.targetId);
      attachedTargets.add(targetInfo.targetId);
      targets.set(child, targetInfo.type);
      // Its network recorded (and its own workers attached) before it runs: a session's
      // commands are handled in order, so these are in place when the resume is. Not awaited:
      // a paused worker answers them only once resumed.
      const watched = first && ['page', 'service_worker', 'worker', 'shared_worker', 'iframe'].includes(targetInfo.type);
      const setUp = watched ? [
        browser.send('Network.enable', {}, child),
        browser.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: true }, child),
      ] : [];
      if (waitingForDebugger) setUp.push(browser.send('Runtime.runIfWaitingForDebugger', {}, child));
      await Promise.all(setUp).catch(() => {});
      if (targetInfo.type === 'page') pages.set(targetInfo.targetId, child);
      return;
    }
    if (!sessionId || !method.startsWith('Network.')) return;
    if (method === 'Network.requestWillBeSent') {
      const r = request(sessionId, params.requestId);
      r.url = params.request.url;
    } else if (method === 'Network.responseReceived') {
      const r = request(sessionId, params.requestId);
      const { response } = params;
      const header = (name) => Object.entries(response.headers).find(([k]) => k.toLowerCase() === name)?.[1];
      Object.assign(r, {
        url: r.url || response.url,
        status: response.status,
        encoding: header('content-encoding') || 'identity',
        fromDiskCache: !!response.fromDiskCache,
        fromServiceWorker: !!response.fromServiceWorker,
      });
    } else if (method === 'Network.loadingFinished') {
      Object.assign(request(sessionId, params.requestId), { bytes: params.encodedDataLength, done: true });
    } else if (method === 'Network.loadingFailed') {
      Object.assign(request(sessionId, params.requestId), { bytes: 0, done: true, failed: params.errorText });
    }
  });
  try {
    await browser.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: true });
    const { targetId } = await browser.send('Target.createTarget', { url: 'about:blank' });
    while (!pages.has(targetId)) await new Promise((r) => setTimeout(r, 10));
    const pageSession = pages.get(targetId);
    await browser.send('Page.enable', {}, pageSession);
    await browser.send('Runtime.enable', {}, pageSession);
    const started = Date.now();
    await browser.send('Page.navigate', { url }, pageSession);
    const evaluate = async (expression) => (await browser.send('Runtime.evaluate',
      { expression, awaitPromise: true, returnByValue: true }, pageSession)).result.value;
    // The app is up (its setup screen on a fresh profile) and its service worker is active
    // (the precache is complete when `ready` resolves: install waits for it).
    for (;;) {
      const up = await evaluate(`!!document.querySelector('[data-screen], [data-ready="true"]')`).catch(() => false);
      if (up) break;
      if (Date.now() - started > timeoutMs) throw new Error('first visit: the app did not come up');
      await new Promise((r) => setTimeout(r, 100));
    }
    await evaluate('navigator.serviceWorker.ready.then(() => true)');
    // …and nothing is in flight, and nothing has started for `quietMs`.
    while (Date.now() - lastActivity < quietMs || [...requests.values()].some((r) => !r.done)) {
      if (Date.now() - started > timeoutMs) throw new Error('first visit: the network did not go quiet');
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await browser.close();
    await proxy.close();
    rmSync(profile, { recursive: true, force: true });
  }
  // A page's request answered by its service worker (or the HTTP cache) crossed no wire: the
  // worker's own fetch for it, if any, is counted in the worker's target.
  const list = [...requests.values()].map((r) => ({
    ...r,
    path: r.url ? new URL(r.url).pathname : '?',
    onWire: !r.fromServiceWorker && !r.fromDiskCache && !r.url?.startsWith('data:') && !r.failed ? r.bytes || 0 : 0,
  }));
  return {
    requests: list,
    bytes: list.reduce((n, r) => n + r.onWire, 0),
    proxy: proxy.counts,
  };
}
