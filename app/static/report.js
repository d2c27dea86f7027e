// Loads the resident form; see ARCHITECTURE.md (report.js).
import init from '/anju_report.js';

const d = document;
const S = '#receipt,#report-errors';
const en = () => d.documentElement.lang < 'zh';
const fix = () => {
  for (const h of d.querySelectorAll('[data-for]')) {
    h.id = `report-${h.dataset.for}-e`;
    d.getElementById(`report-${h.dataset.for}`)?.setAttribute('aria-describedby', h.id);
  }
  for (const p of d.querySelectorAll('[data-copy]:not(.copy)')) {
    p.classList.add('copy');
    const b = Object.assign(d.createElement('button'), { type: 'button', className: 'button', textContent: en() ? 'Copy the link' : '复制链接' });
    b.onclick = () => navigator.clipboard.writeText(p.dataset.copy).then(() => b.append(' ✓'));
    p.after(b);
  }
  const t = d.getElementById('report-text');
  if (!t) return;
  const c = d.getElementById('n') || t.insertAdjacentElement('afterend', Object.assign(d.createElement('p'), { id: 'n', className: 'muted' }));
  t.setAttribute('aria-describedby', 'n report-text-e');
  const n = t.value.length;
  const s = `${n}/${t.maxLength}${n < t.maxLength ? '' : en() ? ' (cut at the limit)' : '(超出上限的字已删去)'}`;
  if (c.textContent !== s) c.textContent = s;
};
new MutationObserver((m) => {
  fix();
  for (const { addedNodes } of m) {
    for (const n of addedNodes) {
      const f = n.closest?.(S) || n.querySelector?.(S);
      if (f) {
        scrollTo(0, 0);
        return f.focus();
      }
    }
  }
}).observe(d, { childList: true, subtree: true });
addEventListener('input', fix);
init({ module_or_path: '/anju_report_bg.wasm' });
