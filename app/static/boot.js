// Loads the wasm app. A file of its own, not an inline script, so the CSP can forbid inline code.
import init from '/anju_app.js';

init({ module_or_path: '/anju_app_bg.wasm' });
