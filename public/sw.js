// 台帳 service worker: serves the app shell from a cache of exactly this build's files, so the
// app opens and works with the network cut. tools/sw-precache.sh fills in the two values below
// at build time.
const BUILD = "__DAICHO_BUILD__";
const PRECACHE = __DAICHO_PRECACHE__;
const CACHE = `daicho-shell-${BUILD}`;
const SHELL = "/index.html";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then(async (cache) => {
      const responses = await Promise.all(PRECACHE.map(buildFile));
      await Promise.all(PRECACHE.map((url, i) => cache.put(url, responses[i])));
    }),
  );
});

// One file of this build. The page has just loaded the big ones (the wasm, the script, the
// style) into the HTTP cache; a file the server marked immutable (a Trunk-hashed name, whose
// content its name fixes) is taken from there instead of crossing the wire twice. Any other
// file (index.html, the manifest, the icons) may be an older build's copy: fetched fresh.
async function buildFile(url) {
  const cached = await fetch(url, { cache: "only-if-cached", mode: "same-origin" }).catch(() => null);
  if (cached?.ok && /\bimmutable\b/.test(cached.headers.get("cache-control") ?? "")) return cached;
  const fresh = await fetch(url, { cache: "reload" });
  if (!fresh.ok) throw new Error(`precache ${url}: HTTP ${fresh.status}`);
  return fresh;
}

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith("daicho-shell-") && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

// A new build waits until the page, asked by the user, tells it to take over.
self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") {
    event.respondWith(fromCache(SHELL, request));
  } else {
    event.respondWith(fromCache(url.pathname, request));
  }
});

async function fromCache(key, request) {
  const cache = await caches.open(CACHE);
  return (await cache.match(key)) || fetch(request);
}
