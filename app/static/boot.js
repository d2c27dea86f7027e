// Loads the wasm app and registers the service worker that lets it open offline. A file of
// its own, not an inline script, so the CSP can forbid inline code.
import init from '/anju_app.js';

if ('serviceWorker' in navigator) {
  navigator.serviceWorker
    .register('/sw.js')
    .catch((error) => console.warn('Anju: no offline support:', error));
}

init({ module_or_path: '/anju_app_bg.wasm' });
