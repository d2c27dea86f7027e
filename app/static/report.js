// Loads the resident form's wasm module. No service worker: the form needs the network to
// send a report, and a resident's phone should not keep the app. A file, not an inline
// script, so the CSP can forbid inline code.
import init from '/anju_report.js';

init({ module_or_path: '/anju_report_bg.wasm' });
