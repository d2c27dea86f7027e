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
// The tracking page's rating ([data-rate], drawn by the wasm once the work is completed):
// the form in the page's language, posted once, the server's answer shown.
const L = [['非常不满意', 'very unsatisfied'], ['不满意', 'unsatisfied'], ['一般', 'neutral'], ['基本满意', 'basically satisfied'], ['非常满意', 'very satisfied']];
const rate = (w) => {
  w.classList.add('on');
  const t = (zh, e) => (en() ? e : zh);
  const f = d.createElement('form');
  f.innerHTML = `<h2></h2><label for="rate-score"></label><select id="rate-score" name="score"></select><label for="rate-comment"></label><textarea id="rate-comment" name="comment" rows="2" maxlength="500"></textarea><p role="status" data-testid="rate-answer"></p><button type="submit" class="button primary"></button>`;
  const [h, l1, s, l2, , a, b] = f.children;
  h.textContent = t('评价本次服务', 'Rate this service');
  l1.textContent = t('评分', 'Score');
  l2.textContent = t('意见(可不填)', 'Comment (optional)');
  b.textContent = t('提交评价', 'Send the rating');
  for (let n = 5; n > 0; n--) s.add(new Option(`${n} · ${t(...L[n - 1])}`, n));
  f.onsubmit = async (e) => {
    e.preventDefault();
    b.disabled = true;
    try {
      const r = await fetch(w.dataset.rate, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-anju-csrf': '1' },
        body: JSON.stringify({ score: +s.value, comment: f.comment.value }),
      });
      const j = await r.json().catch(() => ({}));
      a.textContent = r.ok ? t('感谢您的评价!', 'Thank you for your rating!') : (!en() && j.message_zh) || j.error || `HTTP ${r.status}`;
      b.disabled = r.ok;
    } catch {
      a.textContent = t('网络不通,请稍后再试。', 'No connection; please try again later.');
      b.disabled = false;
    }
  };
  w.append(f);
};
new MutationObserver(() => d.querySelectorAll('[data-rate]:not(.on)').forEach(rate)).observe(d, { childList: true, subtree: true });
init({ module_or_path: '/anju_report_bg.wasm' });
