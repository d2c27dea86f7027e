// The service worker: keeps the app shell (page, script, wasm, styles) on the device so the
// app opens and reloads with no network — a caretaker in a basement reloads /field and keeps
// working from IndexedDB. The API is never cached: its data lives in the app's own store.
//
// Network first, cache as the fallback: online, every load refreshes the cached shell, so a
// new build replaces the old one on the first online visit (and a js/wasm pair never mixes
// builds for long); offline, or when the network hangs, the cached shell answers. VERSION
// names the cache: bump it when this file's caching changes, and old caches are deleted.

const VERSION = 'v6';
const CACHE = `anju-shell-${VERSION}`;
const SHELL = [
  '/',
  '/index.html',
  '/boot.js',
  '/anju_app.js',
  '/anju_app_bg.wasm',
  '/anju.css',
  // The field scanner's QR decoder: not loaded by the page until the scanner opens, but kept
  // here so a round started offline can still read codes.
  '/anju_qr.js',
  '/anju_qr_bg.wasm',
];
// The staff app's routes (app/src/lib.rs): each is the same page, index.html. The desk's and
// the field app's orders have addresses of their own below them (/desk/orders/{id},
// /field/orders/{id}, /field/visit, /field/round), so a tablet reloads an open order offline
// too; the manager's pages (/manage/plan, …) read the device's data as well.
const STAFF_ROUTES = ['/', '/index.html', '/desk', '/field', '/manage', '/admin'];
const STAFF_PREFIXES = ['/desk/', '/field/', '/manage/'];
const isStaffRoute = (path) =>
  STAFF_ROUTES.includes(path) || STAFF_PREFIXES.some((prefix) => path.startsWith(prefix));
// A flaky basement network can hang rather than fail: after this long, use the cached copy.
const NETWORK_WAIT_MS = 4000;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      // Through the browser's HTTP cache (`no-cache`: revalidated, so a changed file is
      // fetched, an unchanged one answered 304 from what the page itself just downloaded):
      // a first visit downloads the app once, not twice.
      .then((cache) => cache.addAll(SHELL.map((path) => new Request(path, { cache: 'no-cache' }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((key) => key.startsWith('anju-shell-') && key !== CACHE)
            .map((key) => caches.delete(key)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // An order's photos: from the network while there is one (the server checks each use, so
  // an erased photo or a lost estate disappears at once), from the device when offline.
  if (url.pathname.startsWith('/api/photos/')) {
    event.respondWith(photo(request));
    return;
  }
  // The rest of the API: straight to the network, never cached.
  if (url.pathname.startsWith('/api/')) return;
  if (request.mode === 'navigate') {
    // Only the staff app's routes are its page. Any other address (the resident's form and
    // tracking pages, /r/… and /t/…, served as report.html) goes to the network untouched:
    // caching it under '/index.html' would open the resident page in place of /field
    // offline.
    if (!isStaffRoute(url.pathname)) return;
    event.respondWith(networkFirst(request, '/index.html'));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(networkFirst(request, url.pathname));
  }
});

// The photos a tablet keeps for offline use: the most recently seen ones, at most this many
// (a few MB: the server re-encodes photos, most are well under 200 KB). Logging out deletes
// them with the rest of the residents' data (app/src/pages/field.rs).
const PHOTOS = 'anju-photos';
const PHOTOS_MAX = 150;

async function photo(request) {
  const cache = await caches.open(PHOTOS);
  try {
    const response = await fetch(request);
    if (response.ok) {
      await cache.delete(request);
      await cache.put(request, response.clone());
      const keys = await cache.keys();
      // Keys come oldest first: drop the oldest beyond the bound.
      await Promise.all(keys.slice(0, Math.max(0, keys.length - PHOTOS_MAX)).map((k) => cache.delete(k)));
    } else if (response.status === 404 || response.status === 401 || response.status === 403) {
      // Erased, or no longer this user's: not kept either.
      await cache.delete(request);
    }
    return response;
  } catch (error) {
    const cached = await cache.match(request);
    if (cached) return cached;
    throw error;
  }
}

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(key);
  const fromNetwork = fetch(request).then(async (response) => {
    if (response.ok) await cache.put(key, response.clone());
    return response;
  });
  if (!cached) return fromNetwork;
  // A failure after the cached copy answered is expected offline: not an unhandled rejection.
  fromNetwork.catch(() => {});
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => resolve(cached), NETWORK_WAIT_MS);
  });
  try {
    return await Promise.race([fromNetwork, late]);
  } catch {
    return cached;
  } finally {
    clearTimeout(timer);
  }
}
