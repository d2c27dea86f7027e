// Loads the wasm app and registers the service worker that lets it open offline. A file of
// its own, not an inline script, so the CSP can forbid inline code.
import init from '/anju_app.js';

// The worker is registered once the app has loaded: its install then finds the files the
// page just downloaded in the browser's HTTP cache (and revalidates them), instead of
// downloading the whole app a second time alongside the page's own requests.
init({ module_or_path: '/anju_app_bg.wasm' }).finally(() => {
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker
      .register('/sw.js')
      .catch((error) => console.warn('Anju: no offline support:', error));
  }
});

// The field scanner's QR decoder (qr/), for browsers without `BarcodeDetector`: fetched and
// started on the first call only, so the app's first load does not carry it. Answers the text
// of the first QR code in an RGBA frame, or undefined.
let qrDecoder;
window.anjuDecodeQr = async (rgba, width, height) => {
  qrDecoder ??= import('/anju_qr.js').then(async (module) => {
    await module.default({ module_or_path: '/anju_qr_bg.wasm' });
    return module;
  });
  return (await qrDecoder).decode_rgba(rgba, width, height);
};
