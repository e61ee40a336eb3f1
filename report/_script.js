// The report's answers browser. Data comes from the JSON block #report-data; every string is put into
// the page with textContent (never as HTML), so an answer holding markup shows as text.
(function () {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
  const marked = (text, spans) => {
    const box = el('div', undefined, 'answer');
    let rest = text || '';
    const found = (spans || []).filter(s => s && rest.includes(s));
    while (rest) {
      let at = -1, hit = '';
      for (const s of found) { const i = rest.indexOf(s); if (i >= 0 && (at < 0 || i < at)) { at = i; hit = s; } }
      if (at < 0) { box.appendChild(document.createTextNode(rest)); break; }
      box.appendChild(document.createTextNode(rest.slice(0, at)));
      box.appendChild(el('mark', hit));
      rest = rest.slice(at + hit.length);
    }
    return box;
  };
  const fmt = v => (v === null || v === undefined) ? '-' : (typeof v === 'number' ? v.toFixed(3) : String(v));
  const pick = (id, values, label) => {
    const s = document.getElementById(id);
    s.appendChild(el('option', label, '')).value = '';
    values.forEach(v => { const o = el('option', v); o.value = v; s.appendChild(o); });
    return s;
  };
  const intents = [...new Set(data.items.map(i => i.intent))].sort();
  const rules = [...new Set(data.items.flatMap(i => Object.values(i.answers).flatMap(a => a.failures.map(f => f.rule))))].sort();
  const others = data.contestants.filter(c => c !== 'base');
  const fIntent = pick('f-intent', intents, 'every intent');
  const fRule = pick('f-rule', rules, 'any or no failing rule');
  const fWho = pick('f-who', others, 'every contestant');
  const fSort = document.getElementById('f-sort');
  const body = document.getElementById('answers-body');
  const count = document.getElementById('answers-count');
  const diff = (item, who) => {
    const a = item.answers[who], b = item.answers.base;
    return (a && b && a.cosine !== null && b.cosine !== null) ? Math.abs(a.cosine - b.cosine) : -1;
  };
  function render() {
    const who = fWho.value;
    const shown = who ? ['base', who] : data.contestants;
    let rows = data.items.filter(i => (!fIntent.value || i.intent === fIntent.value) &&
      (!fRule.value || shown.some(c => i.answers[c] && i.answers[c].failures.some(f => f.rule === fRule.value))));
    if (fSort.value === 'diff') {
      const target = who || others[0];
      rows = rows.slice().sort((x, y) => diff(y, target) - diff(x, target));
    }
    body.replaceChildren();
    rows.forEach(item => {
      const tr = el('tr');
      const q = el('td');
      q.appendChild(el('div', item.intent + ' / ' + item.category, 'meta'));
      q.appendChild(el('div', item.question, 'question'));
      q.appendChild(el('div', 'Reference: ' + item.reference, 'reference'));
      tr.appendChild(q);
      shown.forEach(c => {
        const a = item.answers[c];
        const td = el('td');
        if (!a) { td.textContent = '-'; tr.appendChild(td); return; }
        td.appendChild(el('div', c, 'meta'));
        td.appendChild(marked(a.answer, a.highlights));
        td.appendChild(el('div', 'cosine ' + fmt(a.cosine) + ' · fact recall ' + fmt(a.fact_recall) +
          ' · policy ' + (a.policy_passed ? 'pass' : 'FAIL') + ' · judge ' + fmt(a.judge_score), 'scores'));
        a.failures.forEach(f => td.appendChild(el('div', f.rule + ': ' + f.detail, 'failure')));
        if (a.judgments.length) {
          const d = el('details');
          d.appendChild(el('summary', 'judge: ' + a.judgments.length + ' questions'));
          a.judgments.forEach(j => d.appendChild(el('div', j.question + ' → ' + fmt(j.raw_output) + ' (P(yes) ' + fmt(j.parsed) + ')', 'judgment')));
          td.appendChild(d);
        }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    const head = document.getElementById('answers-head');
    head.replaceChildren(el('th', 'question and reference'));
    shown.forEach(c => head.appendChild(el('th', c)));
    count.textContent = rows.length + ' of ' + data.items.length + ' test items';
  }
  [fIntent, fRule, fWho, fSort].forEach(s => s.addEventListener('change', render));
  render();
})();
