// Legato desk (the inspector page): applies the inspection stream (records) to a model and draws it at most once
// per animation frame. Live: records arrive over /ws, and a `desk` record (spreads, strategies, algos, working
// orders) at most 4 times a second while the page is open. Replay: the whole recording arrives at once and a slider
// rebuilds the model up to a chosen transition. No framework, nothing fetched from outside this server.
'use strict';

const $ = (s) => document.querySelector(s);
const KEEP_ENDED = 40;
const KEEP_LOG = 2000;
const TRIGGERS = ['longEntry', 'longExit', 'shortEntry', 'shortExit'];

function newModel() {
  return { meta: null, actors: new Map(), ended: [], log: [], spreads: new Map(), marks: new Map(), now: 0, desk: null };
}

function apply(m, r) {
  if (r === null || typeof r !== 'object') return;
  if (typeof r.t === 'number' && r.t > m.now) m.now = r.t;
  switch (r.k) {
    case 'meta':
      m.meta = r;
      break;
    case 'actor':
      m.actors.set(r.id, { id: r.id, parent: r.parent, machine: r.machine, value: '', paths: [], status: 'active', context: null, ended: false });
      break;
    case 'state': {
      const a = m.actors.get(r.id);
      if (a) Object.assign(a, { value: r.value, paths: Array.isArray(r.paths) ? r.paths : [], status: r.status });
      break;
    }
    case 'context': {
      const a = m.actors.get(r.id);
      if (a) a.context = r.context;
      break;
    }
    case 'end': {
      const a = m.actors.get(r.id);
      if (a && !a.ended) {
        a.ended = true;
        a.status = r.status;
        m.ended.push(r.id);
        while (m.ended.length > KEEP_ENDED) {
          const old = m.ended.shift();
          if (old !== selected) m.actors.delete(old);
        }
      }
      break;
    }
    case 'event':
      m.log.push(r);
      if (m.log.length > KEEP_LOG * 1.5) m.log.splice(0, m.log.length - KEEP_LOG);
      break;
    case 'spread':
      list(m.spreads, r.strategy).push(r);
      break;
    case 'fill':
    case 'algo':
      list(m.marks, r.strategy).push(r);
      break;
    case 'desk':
      if (r.desk && typeof r.desk === 'object') m.desk = r.desk;
      break;
  }
}
const list = (map, key) => map.get(key) ?? map.set(key, []).get(key);

// ---------- state ----------
let model = newModel();
let mode = 'live';
let control = false;
let selected = 'engine';
let ws = null;
let replay = null; // { records, steps, index }
const PARTS = ['tree', 'chart', 'log', 'spread', 'desk'];
const dirty = { tree: true, chart: true, log: true, spread: true, desk: true };
let scheduled = false;
let skippedTotal = 0;

function changed(...parts) {
  for (const p of parts) dirty[p] = true;
  if (!scheduled) {
    scheduled = true;
    requestAnimationFrame(render);
  }
}

// ---------- connection ----------
function connect() {
  ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  ws.onopen = () => status('connected', 'ok');
  ws.onclose = () => {
    status(mode === 'replay' ? 'recording loaded' : 'disconnected (the run ended or the server stopped)', mode === 'replay' ? 'ok' : 'bad');
  };
  ws.onmessage = (e) => {
    let msg;
    try {
      msg = JSON.parse(e.data);
    } catch {
      return;
    }
    if (msg === null || typeof msg !== 'object') return;
    if (msg.type === 'hello') hello(msg);
    else if (msg.type === 'records' && Array.isArray(msg.records)) {
      for (const r of msg.records) apply(model, r);
      if (msg.skipped) {
        skippedTotal += msg.skipped;
        $('#skipped').textContent = `${skippedTotal} events not shown (too fast to list; the state is exact)`;
      }
      changed(...PARTS);
    } else if (msg.type === 'reset' && Array.isArray(msg.records)) {
      model = newModel();
      for (const r of msg.records) apply(model, r);
      changed(...PARTS);
    } else if ((msg.type === 'why' || msg.type === 'error') && whySent === msg.id) whyAnswered(msg);
    else if ((msg.type === 'result' || msg.type === 'error') && sent.has(msg.id)) answered(msg);
    else if (msg.type === 'result') status(`stop sent to ${msg.target}`, 'ok');
    else if (msg.type === 'error') status(`server: ${msg.error}`, 'bad');
  };
}

function hello(msg) {
  mode = msg.mode;
  control = msg.control === true;
  model = newModel();
  $('#mode').textContent = mode === 'replay' ? `replay of ${msg.name}` : 'live';
  $('#controls').hidden = !control;
  $('#desk').hidden = mode !== 'live';
  if (mode === 'replay') {
    const steps = [];
    msg.records.forEach((r, i) => {
      if (r.k === 'event') steps.push(i);
    });
    replay = { records: msg.records, steps, index: steps.length - 1 };
    $('#replay').hidden = false;
    $('#slider').max = String(Math.max(0, steps.length - 1));
    $('#slider').value = String(replay.index);
    seek(replay.index);
  } else {
    for (const r of msg.records) apply(model, r);
  }
  fillStrategies();
  changed(...PARTS);
}

function status(text, cls) {
  const s = $('#status');
  s.textContent = text;
  s.className = cls;
}

// ---------- controls: every one carries the token; the server answers each with a result or an error ----------
const sent = new Map(); // message id → { label, show }
let controlSeq = 0;

function sendControl(fields, label, show) {
  if (!control) return;
  if (!ws || ws.readyState !== 1) return show(`${label} not sent: not connected`, 'bad');
  const id = `control-${++controlSeq}`;
  sent.set(id, { label, show });
  show(`${label} sent…`, 'pending');
  ws.send(JSON.stringify({ type: 'control', id, token: $('#token').value, ...fields }));
}

function answered(msg) {
  const { label, show } = sent.get(msg.id);
  sent.delete(msg.id);
  if (msg.type === 'error') return show(`${label} refused: ${msg.error}`, 'bad');
  const to = Array.isArray(msg.strategies) ? msg.strategies.join(', ') : '';
  show(msg.algoId ? `${label}: started algo ${msg.algoId}` : `${label} sent to ${to || 'no strategy'}`, 'ok');
}

function controlResult(text, cls) {
  const el = $('#control-result');
  el.textContent = text;
  el.dataset.state = cls;
  el.style.color = cls === 'ok' ? '#7ee787' : cls === 'bad' ? '#ff7b72' : '#d0d7de';
}
function deskResult(text, cls) {
  const el = $('#desk-result');
  el.textContent = text;
  el.dataset.state = cls;
}

$('#token-form').addEventListener('submit', (e) => e.preventDefault());

// The kill switch: pause / flatten / resume every strategy.
for (const button of document.querySelectorAll('#kill-switch button[data-action]')) {
  button.addEventListener('click', () => {
    const action = button.dataset.action;
    if (!control) return;
    if (action === 'flatten' && !confirm('Flatten all: pause every strategy and trade every leg to flat?')) return controlResult('flatten cancelled', 'bad');
    sendControl({ action }, action, controlResult);
  });
}

// ---------- replay ----------
function seek(i) {
  if (!replay) return;
  replay.index = Math.max(0, Math.min(replay.steps.length - 1, i));
  // Up to the next event: a transition's state and context records follow its event record.
  const at = replay.steps.length ? replay.steps[replay.index] : replay.records.length - 1;
  const upto = replay.index + 1 < replay.steps.length ? replay.steps[replay.index + 1] - 1 : replay.records.length - 1;
  model = newModel();
  for (let k = 0; k <= upto; k++) apply(model, replay.records[k]);
  // The meta record and chart marks may come late in the file; keep the header.
  if (!model.meta) model.meta = replay.records.find((r) => r.k === 'meta') ?? null;
  const ev = replay.records[at];
  $('#slider').value = String(replay.index);
  $('#position').textContent = ev && ev.k === 'event' ? `transition ${replay.index + 1} of ${replay.steps.length}: ${ev.type} → ${ev.target}` : '';
  if ($('#follow').checked && ev && ev.k === 'event' && model.actors.has(ev.target)) selected = ev.target;
  changed('tree', 'chart', 'log', 'spread');
}
$('#slider').addEventListener('input', (e) => seek(Number(e.target.value)));
$('#back').addEventListener('click', () => seek(replay.index - 1));
$('#fwd').addEventListener('click', () => seek(replay.index + 1));
document.addEventListener('keydown', (e) => {
  if (!replay || ((e.target.tagName === 'INPUT' || e.target.tagName === 'SELECT') && e.target.type !== 'range')) return;
  if (e.key === 'ArrowLeft') seek(replay.index - 1);
  if (e.key === 'ArrowRight') seek(replay.index + 1);
});

// ---------- render ----------
function render() {
  scheduled = false;
  $('#clock').textContent = model.now ? fmtTime(model.now, true) : '';
  if (dirty.tree) renderTree();
  if (dirty.chart) renderStatechart();
  if (dirty.log) renderLog();
  if (dirty.desk) renderDesk();
  if (dirty.spread) renderSpread();
  for (const p of PARTS) dirty[p] = false;
}

function fmtTime(t, date) {
  const zone = model.meta?.zone ?? 'UTC';
  try {
    const opts = { timeZone: zone, hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit' };
    if (date) Object.assign(opts, { year: 'numeric', month: '2-digit', day: '2-digit' });
    return new Intl.DateTimeFormat('en-CA', opts).format(new Date(t)) + (date ? ` ${zone}` : '') + (date ? '' : `.${String(Math.floor(t) % 1000).padStart(3, '0')}`);
  } catch {
    return new Date(t).toISOString();
  }
}

/** 850 ms, 12.3 s, 4 min 10 s, 2 h 5 min */
function fmtAge(ms) {
  if (!(ms >= 0)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function select(id) {
  selected = id;
  changed('tree', 'chart', 'desk');
}

function renderTree() {
  const children = new Map();
  const roots = [];
  for (const a of model.actors.values()) {
    if (a.parent && model.actors.has(a.parent)) list(children, a.parent).push(a);
    else roots.push(a);
  }
  const li = (a) => {
    const el = document.createElement('li');
    el.dataset.id = a.id;
    if (a.ended) el.classList.add('ended');
    if (a.id === selected) el.classList.add('selected');
    const row = document.createElement('div');
    row.className = 'row';
    row.title = a.id;
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = a.id;
    const st = document.createElement('span');
    st.className = 'state';
    st.textContent = a.value + (a.status !== 'active' ? ` (${a.status})` : '');
    row.append(name, st);
    row.addEventListener('click', () => select(a.id));
    el.append(row);
    const kids = children.get(a.id);
    if (kids) {
      const ul = document.createElement('ul');
      for (const k of kids) ul.append(li(k));
      el.append(ul);
    }
    return el;
  };
  const tree = $('#tree');
  tree.replaceChildren(...roots.map(li));
  tree.dataset.actors = String(model.actors.size);
}

// ---------- statechart: zoom, pan, fit, follow the active state ----------
const svgCache = new Map();
let shownMachine = null;
const sc = { svg: null, W: 0, H: 0, vb: null, focus: '', focusId: null, focusPaths: [] };
const box = $('#statechart');
const followBox = $('#follow-state');

function boxSize() {
  return { cw: Math.max(1, box.clientWidth), ch: Math.max(1, box.clientHeight) };
}

/** Shows the region x, y, w, h of the drawing, widened to the panel's proportions around its centre. */
function setView(x, y, w, h) {
  if (!sc.svg) return;
  const { cw, ch } = boxSize();
  const aspect = cw / ch;
  const cx = x + w / 2;
  const cy = y + h / 2;
  if (w / h > aspect) h = w / aspect;
  else w = h * aspect;
  sc.vb = { x: cx - w / 2, y: cy - h / 2, w, h };
  sc.svg.setAttribute('viewBox', `${sc.vb.x} ${sc.vb.y} ${sc.vb.w} ${sc.vb.h}`);
  box.dataset.zoom = (cw / w).toFixed(3);
}

function fit() {
  setView(-8, -8, sc.W + 16, sc.H + 16);
}

function zoomBy(f, px, py) {
  if (!sc.vb) return;
  const { cw, ch } = boxSize();
  const fx = px === undefined ? 0.5 : px / cw;
  const fy = py === undefined ? 0.5 : py / ch;
  // Between the whole machine at a quarter of the panel and 4× its natural size.
  const minW = cw / 4;
  const maxW = Math.max(sc.W, (sc.H * cw) / ch) * 4;
  const w = Math.min(maxW, Math.max(minW, sc.vb.w / f));
  const h = (w * ch) / cw;
  const ax = sc.vb.x + fx * sc.vb.w;
  const ay = sc.vb.y + fy * sc.vb.h;
  setView(ax - fx * w, ay - fy * h, w, h);
}

function manualView() {
  followBox.checked = false;
  box.dataset.follow = 'false';
}

/** A state's box in the drawing (its rect), or null. */
function stateBox(path) {
  const rect = sc.svg.querySelector(`g.state[data-path="${CSS.escape(path)}"] > rect`);
  if (!rect) return null;
  const x = Number(rect.getAttribute('x'));
  const y = Number(rect.getAttribute('y'));
  return { x0: x, y0: y, x1: x + Number(rect.getAttribute('width')), y1: y + Number(rect.getAttribute('height')) };
}

/**
 * Follows the active state: centres the deepest active states that just changed (all of them the first time), at
 * natural size, or smaller down to 0.6 when they need it to fit together; states of parallel regions too far apart
 * for that are not fitted together: the first one that changed is shown. A machine smaller than the panel is fitted.
 */
function focusActive(paths, before = []) {
  if (!sc.svg) return;
  const { cw, ch } = boxSize();
  if (sc.W <= cw && sc.H <= ch) return fit();
  const leaves = paths.filter((p) => !paths.some((q) => q.startsWith(`${p}.`)));
  const fresh = leaves.filter((p) => !before.includes(p));
  const boxes = (fresh.length ? fresh : leaves).map(stateBox).filter(Boolean);
  if (boxes.length === 0) return fit();
  const union = (bs) => bs.reduce((u, b) => ({ x0: Math.min(u.x0, b.x0), y0: Math.min(u.y0, b.y0), x1: Math.max(u.x1, b.x1), y1: Math.max(u.y1, b.y1) }));
  const pad = 60;
  const MIN_SCALE = 0.8;
  let u = union(boxes);
  const scaleFor = (b) => Math.min(1, cw / (b.x1 - b.x0 + 2 * pad), ch / (b.y1 - b.y0 + 2 * pad));
  if (scaleFor(u) < MIN_SCALE) u = boxes[0];
  const k = Math.max(MIN_SCALE, scaleFor(u));
  const w = cw / k;
  const h = ch / k;
  setView((u.x0 + u.x1) / 2 - w / 2, (u.y0 + u.y1) / 2 - h / 2, w, h);
}

function mountSvg(text, machine) {
  box.innerHTML = text;
  sc.svg = box.querySelector('svg');
  box.dataset.machine = machine;
  if (!sc.svg) return;
  sc.W = Number(sc.svg.getAttribute('width')) || 800;
  sc.H = Number(sc.svg.getAttribute('height')) || 600;
  sc.svg.removeAttribute('width');
  sc.svg.removeAttribute('height');
  sc.svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
  sc.focus = '';
  fit();
}

function renderStatechart() {
  const a = model.actors.get(selected);
  $('#selected').textContent = a ? `${a.id}: ${a.value}` : '';
  const stop = $('#stop');
  stop.hidden = !(control && a && !a.ended && /^(strategy|algo):/.test(a.id));
  stop.textContent = a && a.id.startsWith('strategy:') ? 'stop the strategy' : 'stop';
  if (!a || !a.machine) {
    box.replaceChildren();
    sc.svg = null;
    shownMachine = null;
    $('#context').textContent = a ? JSON.stringify(a.context, null, 2) : '';
    return;
  }
  if (shownMachine !== a.machine) {
    const svg = svgCache.get(a.machine);
    if (svg === undefined) {
      svgCache.set(a.machine, null);
      fetch(`/machines/${encodeURIComponent(a.machine)}.svg`)
        .then((r) => (r.ok ? r.text() : Promise.reject(new Error(r.statusText))))
        .then((text) => {
          svgCache.set(a.machine, text);
          changed('chart');
        })
        .catch(() => svgCache.delete(a.machine));
      return;
    }
    if (svg === null) return;
    mountSvg(svg, a.machine);
    shownMachine = a.machine;
  }
  const active = new Set(a.paths);
  for (const g of box.querySelectorAll('g.state')) g.classList.toggle('active', active.has(g.dataset.path));
  box.dataset.active = a.paths.join(' ');
  const focus = `${a.id} ${a.paths.join(' ')}`;
  if (followBox.checked && focus !== sc.focus) focusActive(a.paths, sc.focusId === a.id ? sc.focusPaths : []);
  sc.focus = focus;
  sc.focusId = a.id;
  sc.focusPaths = a.paths;
  box.dataset.follow = String(followBox.checked);
  $('#context').textContent = JSON.stringify(a.context, null, 2);
}

$('#zoom-fit').addEventListener('click', () => {
  manualView();
  fit();
});
$('#zoom-in').addEventListener('click', () => {
  manualView();
  zoomBy(1.4);
});
$('#zoom-out').addEventListener('click', () => {
  manualView();
  zoomBy(1 / 1.4);
});
$('#zoom-one').addEventListener('click', () => {
  if (!sc.vb) return;
  manualView();
  const { cw, ch } = boxSize();
  setView(sc.vb.x + sc.vb.w / 2 - cw / 2, sc.vb.y + sc.vb.h / 2 - ch / 2, cw, ch);
});
followBox.addEventListener('change', () => {
  box.dataset.follow = String(followBox.checked);
  const a = model.actors.get(selected);
  if (followBox.checked && a) focusActive(a.paths);
});
box.addEventListener(
  'wheel',
  (e) => {
    if (!sc.vb) return;
    e.preventDefault();
    manualView();
    const r = box.getBoundingClientRect();
    zoomBy(e.deltaY < 0 ? 1.2 : 1 / 1.2, e.clientX - r.left, e.clientY - r.top);
  },
  { passive: false },
);
let drag = null;
box.addEventListener('pointerdown', (e) => {
  if (!sc.vb || e.button !== 0) return;
  drag = { x: e.clientX, y: e.clientY, moved: false };
  box.setPointerCapture(e.pointerId);
  box.classList.add('panning');
});
box.addEventListener('pointermove', (e) => {
  if (!drag || !sc.vb) return;
  const dx = e.clientX - drag.x;
  const dy = e.clientY - drag.y;
  if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 3) return;
  if (!drag.moved) manualView();
  drag.moved = true;
  drag.x = e.clientX;
  drag.y = e.clientY;
  const { cw } = boxSize();
  const k = sc.vb.w / cw;
  setView(sc.vb.x - dx * k, sc.vb.y - dy * k, sc.vb.w, sc.vb.h);
});
const endDrag = () => {
  drag = null;
  box.classList.remove('panning');
};
box.addEventListener('pointerup', endDrag);
box.addEventListener('pointercancel', endDrag);
// A panel that changes size keeps the region it showed, in its new proportions.
new ResizeObserver(() => {
  if (sc.vb) setView(sc.vb.x, sc.vb.y, sc.vb.w, sc.vb.h);
}).observe(box);

$('#stop').addEventListener('click', () => {
  if (!ws || ws.readyState !== 1) return;
  const a = model.actors.get(selected);
  if (a && a.id.startsWith('strategy:') && !confirm(`Stop ${a.id} for the rest of the run? (Pause stops it for a while.)`)) return;
  ws.send(JSON.stringify({ type: 'stop', id: Date.now(), target: selected, token: $('#token').value }));
});

// ---------- the desk: sortable tables that update in place ----------
const sorts = new Map(); // table id → { key, dir }

/**
 * Draws `rows` into `table` under `cols`, reusing rows by key so that buttons and selection survive an update.
 * A column: { key, label, l (left-aligned), sort(row) → sort value, text(row) → string, cls(row) → class,
 * node(row) → { sig, build() → nodes } for cells with buttons }. `group(row)` keeps rows that follow another together.
 */
function renderTable(table, cols, rows, opts = {}) {
  if (!table.tHead) {
    const thead = table.createTHead();
    const tr = thead.insertRow();
    for (const c of cols) {
      const th = document.createElement('th');
      th.textContent = c.label;
      th.dataset.key = c.key;
      if (c.l) th.className = 'l';
      if (c.title) th.title = c.title;
      if (c.sort) {
        th.addEventListener('click', () => {
          const s = sorts.get(table.id);
          sorts.set(table.id, { key: c.key, dir: s && s.key === c.key && s.dir === 'asc' ? 'desc' : 'asc' });
          changed('desk');
        });
      } else th.style.cursor = 'default';
      tr.append(th);
    }
    table.createTBody();
  }
  const s = sorts.get(table.id);
  for (const th of table.tHead.rows[0].cells) {
    if (s && th.dataset.key === s.key) th.dataset.dir = s.dir;
    else delete th.dataset.dir;
  }
  let ordered = rows;
  if (s) {
    const col = cols.find((c) => c.key === s.key);
    if (col && col.sort) {
      const groups = opts.group ? opts.group(rows) : rows.map((r) => [r]);
      const val = (g) => col.sort(g[0]);
      groups.sort((a, b) => {
        const x = val(a);
        const y = val(b);
        const c = x === y ? 0 : x === null || x === undefined ? 1 : y === null || y === undefined ? -1 : typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
        return s.dir === 'asc' ? c : -c;
      });
      ordered = groups.flat();
    }
  }
  const body = table.tBodies[0];
  const old = new Map([...body.rows].map((tr) => [tr.dataset.key, tr]));
  const out = [];
  for (const r of ordered) {
    const key = opts.key(r);
    let tr = old.get(key);
    old.delete(key);
    if (!tr) {
      tr = document.createElement('tr');
      tr.dataset.key = key;
      for (const c of cols) {
        const td = document.createElement('td');
        if (c.l) td.className = 'l';
        tr.append(td);
      }
      tr.addEventListener('click', () => {
        const id = tr.dataset.actor;
        if (id) {
          select(id);
          if (/^(algo|order):/.test(id)) askWhy(id.slice(id.indexOf(':') + 1));
          $('#chart-panel').scrollIntoView({ block: 'nearest' });
        }
      });
    }
    tr.className = opts.rowCls ? opts.rowCls(r) : '';
    const actor = opts.actor ? opts.actor(r) : '';
    tr.dataset.actor = actor;
    if (actor && actor === selected) tr.classList.add('selected');
    cols.forEach((c, i) => {
      const td = tr.cells[i];
      const cls = [c.l ? 'l' : '', c.cls ? c.cls(r) : ''].filter(Boolean).join(' ');
      if (td.className !== cls) td.className = cls;
      if (c.node) {
        const n = c.node(r);
        if (td.dataset.sig !== n.sig) {
          td.dataset.sig = n.sig;
          td.replaceChildren(...n.build());
        }
      } else {
        const text = c.text ? c.text(r) : String(r[c.key] ?? '');
        if (td.textContent !== text) td.textContent = text;
      }
    });
    out.push(tr);
  }
  for (const tr of old.values()) tr.remove();
  out.forEach((tr, i) => {
    if (body.rows[i] !== tr) body.insertBefore(tr, body.rows[i] ?? null);
  });
  body.dataset.rows = String(out.length);
}

const sign = (v) => (v === null || v === undefined ? 'none' : Number(v) > 0 ? 'pos' : Number(v) < 0 ? 'neg' : '');
const dash = (v) => (v === null || v === undefined ? '–' : String(v));
const num = (v) => (v === null || v === undefined || v === '' ? null : Number(v));
function button(label, title, onClick, cls) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.title = title;
  if (cls) b.className = cls;
  b.addEventListener('click', (e) => {
    e.stopPropagation();
    onClick();
  });
  return b;
}
function badge(text, cls) {
  const s = document.createElement('span');
  s.className = `badge ${cls}`;
  s.textContent = text;
  return s;
}

const SPREAD_COLS = [
  { key: 'name', label: 'spread / leg', l: true, sort: (r) => r.name },
  { key: 'bidSize', label: 'bid size', sort: (r) => num(r.bidSize), text: (r) => dash(r.bidSize) },
  { key: 'bid', label: 'bid', sort: (r) => num(r.bid), text: (r) => dash(r.bid) },
  { key: 'ask', label: 'ask', sort: (r) => num(r.ask), text: (r) => dash(r.ask) },
  { key: 'askSize', label: 'ask size', sort: (r) => num(r.askSize), text: (r) => dash(r.askSize) },
  { key: 'position', label: 'position', title: 'spread units (legs: lots)', sort: (r) => r.position, cls: (r) => sign(r.position) },
  { key: 'naked', label: 'naked', title: 'lots away from the nearest balanced position', text: (r) => (r.leg ? String(r.naked) : ''), cls: (r) => (r.leg && r.naked !== 0 ? 'naked' : '') },
  { key: 'pnl', label: 'PnL', title: 'net, marked at the legs\u2019 mids', sort: (r) => num(r.pnl), text: (r) => (r.leg ? '' : dash(r.pnl)), cls: (r) => (r.leg ? '' : sign(r.pnl)) },
];

const STRATEGY_COLS = [
  { key: 'strategy', label: 'strategy', l: true, sort: (r) => r.strategy },
  {
    key: 'state',
    label: 'state',
    l: true,
    sort: (r) => r.state,
    node: (r) => ({
      sig: `${r.state}|${r.paused}`,
      build: () => {
        const top = r.state.split('.')[0];
        const out = [badge(r.state, r.state.endsWith('working') ? 'working' : top)];
        if (r.paused) out.push(document.createTextNode(' '), badge('paused', 'paused'));
        return out;
      },
    }),
  },
  ...TRIGGERS.map((k) => ({
    key: k,
    label: { longEntry: 'L entry', longExit: 'L exit', shortEntry: 'S entry', shortExit: 'S exit' }[k],
    title: { longEntry: 'long entry: buy the spread at or below', longExit: 'long exit: sell a long at or above', shortEntry: 'short entry: sell the spread at or above', shortExit: 'short exit: buy back a short at or below' }[k],
    sort: (r) => num(r.triggers[k]),
    text: (r) => dash(r.triggers[k]),
  })),
  { key: 'target', label: 'target', sort: (r) => r.target },
  { key: 'position', label: 'position', sort: (r) => r.position, cls: (r) => sign(r.position) },
  { key: 'pnl', label: 'PnL', sort: (r) => num(r.pnl), text: (r) => dash(r.pnl), cls: (r) => sign(r.pnl) },
  { key: 'session', label: 'session', l: true, sort: (r) => r.session },
  { key: 'algo', label: 'algo', l: true, sort: (r) => r.algo ?? '', text: (r) => r.algo ?? '' },
  {
    key: 'actions',
    label: '',
    node: (r) => ({
      sig: `${control}|${r.state}|${r.paused}`,
      build: () => {
        if (!control || r.state === 'stopped') return [];
        const out = [];
        if (r.paused) out.push(button('Resume', `entries allowed again for ${r.strategy}`, () => sendControl({ action: 'resume', strategy: r.strategy }, `resume ${r.strategy}`, deskResult)));
        else out.push(button('Pause', `no new entries for ${r.strategy}; its algo stops its entry`, () => sendControl({ action: 'pause', strategy: r.strategy }, `pause ${r.strategy}`, deskResult)));
        out.push(
          button(
            'Flatten',
            `pause ${r.strategy} and trade every leg to flat`,
            () => {
              if (confirm(`Flatten ${r.strategy}: pause it and trade every leg to flat?`)) sendControl({ action: 'flatten', strategy: r.strategy }, `flatten ${r.strategy}`, deskResult);
            },
            'danger',
          ),
          button('Edit', 'load its triggers and target into the form below', () => editSettings(r.strategy, true)),
        );
        return out;
      },
    }),
  },
];

const legNames = (strategy) => model.meta?.strategies.find((s) => s.name === strategy)?.legs ?? [];
const ALGO_COLS = [
  { key: 'id', label: 'algo', l: true, sort: (r) => r.id },
  { key: 'purpose', label: 'purpose', l: true, sort: (r) => r.purpose },
  { key: 'kind', label: 'kind', l: true, sort: (r) => r.kind },
  { key: 'side', label: 'side', l: true, sort: (r) => r.side },
  { key: 'limit', label: 'limit', sort: (r) => num(r.limit), text: (r) => dash(r.limit) },
  { key: 'qty', label: 'qty', sort: (r) => r.qty },
  { key: 'filled', label: 'filled', title: 'spread units with balanced legs', sort: (r) => r.filled },
  {
    key: 'naked',
    label: 'naked lots', title: 'per leg, the lots away from the nearest balanced position',
    l: true,
    sort: (r) => r.naked.reduce((s, n) => s + Math.abs(n), 0),
    text: (r) => r.naked.map((n, i) => `${legNames(r.strategy)[i] ?? i} ${n}`).join(', '),
    cls: (r) => (r.naked.some((n) => n !== 0) ? 'naked' : ''),
  },
  { key: 'ladder', label: 'ladder', l: true, sort: (r) => r.ladder },
  { key: 'age', label: 'age', sort: (r) => r.startedAt, text: (r) => fmtAge((r.active ? model.now : (r.endedAt ?? model.now)) - r.startedAt) },
  { key: 'status', label: 'status', l: true, sort: (r) => r.status, text: (r) => (r.reason ? `${r.status} (${r.reason})` : r.status) },
  {
    key: 'actions',
    label: '',
    node: (r) => ({
      sig: `${control}|${r.active}`,
      build: () => (control && r.active ? [button('Stop', `stop ${r.id}: its entry stops, its hedge completes or unwinds per its stop policy`, () => sendControl({ action: 'stopAlgo', algoId: r.id }, `stop ${r.id}`, deskResult))] : []),
    }),
  },
];

const ORDER_COLS = [
  { key: 'id', label: 'order', l: true, sort: (r) => r.id },
  { key: 'symbol', label: 'leg', l: true, sort: (r) => r.symbol },
  { key: 'role', label: 'role', l: true, sort: (r) => r.role },
  { key: 'side', label: 'side', l: true, sort: (r) => r.side },
  { key: 'price', label: 'price', sort: (r) => num(r.price) },
  { key: 'qty', label: 'qty', sort: (r) => r.qty },
  { key: 'filled', label: 'filled', sort: (r) => r.filled },
  { key: 'status', label: 'status', l: true, sort: (r) => r.status },
  { key: 'age', label: 'age', sort: (r) => r.createdAt, text: (r) => fmtAge(model.now - r.createdAt) },
];

let settingsFor = null;
function renderDesk() {
  const d = model.desk;
  const deskEl = $('#desk');
  deskEl.dataset.live = String(!!d);
  if (!d) return;
  const rows = [];
  for (const s of d.spreads) {
    rows.push({ key: `s:${s.strategy}`, name: s.strategy, strategy: s.strategy, bid: s.bid, bidSize: s.bidSize, ask: s.ask, askSize: s.askSize, position: s.position, pnl: s.pnl, leg: false });
    for (const l of s.legs) rows.push({ key: `l:${s.strategy}:${l.symbol}`, name: l.symbol, strategy: s.strategy, bid: l.bid, bidSize: l.bidSize, ask: l.ask, askSize: l.askSize, position: l.lots, naked: l.naked, leg: true });
  }
  renderTable($('#spreads'), SPREAD_COLS, rows, {
    key: (r) => r.key,
    actor: (r) => `strategy:${r.strategy}`,
    rowCls: (r) => (r.leg ? 'leg' : 'spread'),
    group: (all) => {
      const groups = [];
      for (const r of all) if (!r.leg) groups.push([r]);
      else groups[groups.length - 1]?.push(r);
      return groups;
    },
  });
  renderTable($('#strategies'), STRATEGY_COLS, d.strategies, { key: (r) => r.strategy, actor: (r) => `strategy:${r.strategy}` });
  renderTable($('#algos'), ALGO_COLS, d.algos, { key: (r) => r.id, actor: (r) => `algo:${r.id}`, rowCls: (r) => (r.active ? '' : 'ended') });
  renderTable($('#orders'), ORDER_COLS, d.orders, { key: (r) => r.id, actor: (r) => `order:${r.id}` });
  if (settingsFor === null && d.strategies.length) editSettings(d.strategies[0].strategy, false);
  fillTicket();
}

// ---------- why did it do that? the chain behind an algo or an order, asked of the server ----------
let whySent = null;
let whySeq = 0;

function askWhy(subject) {
  const box = $('#why');
  if (!ws || ws.readyState !== 1) return box.replaceChildren(Object.assign(document.createElement('p'), { className: 'error', textContent: 'not connected' }));
  whySent = `why-${++whySeq}`;
  box.dataset.subject = subject;
  box.dataset.state = 'pending';
  box.replaceChildren(Object.assign(document.createElement('p'), { className: 'hint', textContent: `asking why ${subject}…` }));
  ws.send(JSON.stringify({ type: 'why', id: whySent, subject }));
}

function whyAnswered(msg) {
  whySent = null;
  const box = $('#why');
  if (msg.type === 'error') {
    box.dataset.state = 'error';
    return box.replaceChildren(Object.assign(document.createElement('p'), { className: 'error', textContent: String(msg.error) }));
  }
  const steps = Array.isArray(msg.steps) ? msg.steps : [];
  const head = Object.assign(document.createElement('p'), { className: 'headline', textContent: `${msg.subject?.kind ?? ''} ${msg.subject?.id ?? ''}: ${msg.headline ?? ''}` });
  const table = document.createElement('table');
  for (const s of steps) {
    const tr = table.insertRow();
    tr.className = `kind-${String(s.kind).replace(/\./g, '-')}`;
    for (const [cls, v] of [['at', typeof s.at === 'number' ? fmtTime(s.at, false) : ''], ['actor', String(s.actor ?? '')], ['text', String(s.text ?? '')]]) {
      const td = tr.insertCell();
      td.className = cls;
      td.textContent = v;
    }
  }
  box.dataset.state = 'shown';
  box.replaceChildren(head, table);
}

// ---------- the desk's forms: triggers and target, the manual ticket ----------
function strategyOptions(sel) {
  const names = model.desk?.strategies.map((s) => s.strategy) ?? model.meta?.strategies.map((s) => s.name) ?? [];
  const have = [...sel.options].map((o) => o.value).join('\n');
  if (have === names.join('\n')) return;
  const keep = sel.value;
  sel.replaceChildren(...names.map((n) => Object.assign(document.createElement('option'), { value: n, textContent: n })));
  if (names.includes(keep)) sel.value = keep;
}

/** Loads a strategy's triggers and target into the settings form (only its own fields when the user has not typed). */
function editSettings(name, focus) {
  const s = model.desk?.strategies.find((x) => x.strategy === name);
  if (!s) return;
  settingsFor = name;
  strategyOptions($('#settings-strategy'));
  $('#settings-strategy').value = name;
  for (const k of TRIGGERS) $(`#set-${k}`).value = s.triggers[k] ?? '';
  $('#set-target').value = String(s.target);
  if (focus) $('#set-longEntry').focus();
}
$('#settings-strategy').addEventListener('change', (e) => editSettings(e.target.value, false));
$('#apply-triggers').addEventListener('click', () => {
  const strategy = $('#settings-strategy').value;
  const triggers = {};
  for (const k of TRIGGERS) {
    const v = $(`#set-${k}`).value.trim();
    triggers[k] = v === '' ? null : v;
  }
  sendControl({ action: 'setTriggers', strategy, triggers }, `triggers of ${strategy}`, deskResult);
});
$('#apply-target').addEventListener('click', () => {
  const strategy = $('#settings-strategy').value;
  const target = Number($('#set-target').value.trim());
  sendControl({ action: 'setTarget', strategy, target }, `target of ${strategy}`, deskResult);
});

function fillTicket() {
  strategyOptions($('#ticket-strategy'));
  const limit = $('#ticket-limit');
  // An empty limit is offered the far side of the spread now (buy at the ask, sell at the bid).
  if (limit.value === '' && document.activeElement !== limit) {
    const s = model.desk?.spreads.find((x) => x.strategy === $('#ticket-strategy').value);
    const p = s && ($('#ticket-side').value === 'buy' ? s.ask : s.bid);
    limit.placeholder = p ? `${p} now` : 'spread price';
  }
}
$('#ticket').addEventListener('submit', (e) => {
  e.preventDefault();
  const strategy = $('#ticket-strategy').value;
  const side = $('#ticket-side').value;
  const qty = Number($('#ticket-qty').value);
  const limit = $('#ticket-limit').value.trim();
  const kind = $('#ticket-kind').value;
  if (limit === '') return deskResult('the ticket needs a limit price', 'bad');
  sendControl({ action: 'startAlgo', strategy, side, qty, limit, ...(kind ? { kind } : {}) }, `${side} ${qty} ${strategy} @ ${limit}`, deskResult);
});
$('#ticket-side').addEventListener('change', () => fillTicket());
$('#ticket-strategy').addEventListener('change', () => fillTicket());

// ---------- events ----------
function renderLog() {
  const fa = $('#filter-actor').value.trim();
  const ft = $('#filter-type').value.trim();
  const rows = [];
  const current = replay ? replay.records[replay.steps[replay.index]] : null;
  for (let i = model.log.length - 1; i >= 0 && rows.length < 300; i--) {
    const e = model.log[i];
    if (fa && !(e.target.includes(fa) || (e.source ?? '').includes(fa))) continue;
    if (ft && !e.type.includes(ft)) continue;
    rows.push(e);
  }
  const body = $('#log tbody');
  body.replaceChildren(
    ...rows.map((e) => {
      const tr = document.createElement('tr');
      if (e === current) tr.className = 'current';
      for (const v of [e.n, fmtTime(e.t, false), e.type, e.source ?? '', e.target, e.transitions.join('; ')]) {
        const td = document.createElement('td');
        td.textContent = String(v);
        tr.append(td);
      }
      return tr;
    }),
  );
  body.dataset.rows = String(rows.length);
}
$('#filter-actor').addEventListener('input', () => changed('log'));
$('#filter-type').addEventListener('input', () => changed('log'));

// ---------- spread chart (lightweight-charts): one linear time axis ----------
let chart = null;
let series = null;
let drawn = { strategy: null, step: 0, triggers: '' };
let lastSpreadDraw = 0;
let spreadTimer = null;
/** Slot widths the axis may use, seconds: the smallest that keeps the run within MAX_SLOTS points. */
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400];
const MAX_SLOTS = 20000;
let grid = null;
let slotInfo = new Map();
let chartMoved = false;
for (const ev of ['wheel', 'pointerdown']) $('#spread').addEventListener(ev, () => (chartMoved = true), { passive: true });
$('#spread-fit').addEventListener('click', () => {
  chartMoved = false;
  chart?.timeScale().fitContent();
});

function fillStrategies() {
  const sel = $('#strategy');
  const names = model.meta?.strategies.map((s) => s.name) ?? [];
  sel.replaceChildren(...names.map((n) => Object.assign(document.createElement('option'), { value: n, textContent: n })));
}
$('#strategy').addEventListener('change', () => {
  drawn = { strategy: null, step: 0, triggers: '' };
  changed('spread');
});

const partsFormat = () => {
  try {
    return new Intl.DateTimeFormat('en-GB', { timeZone: model.meta?.zone ?? 'UTC', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  } catch {
    return new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  }
};
let partsFmt = null;
function pieces(sec) {
  partsFmt ??= partsFormat();
  const o = {};
  for (const p of partsFmt.formatToParts(new Date(sec * 1000))) o[p.type] = p.value;
  return o;
}
/** Axis labels in the run's zone: seconds wherever the library marks seconds, so no two neighbours read alike. */
function tickLabel(sec, type) {
  const p = pieces(sec);
  if (type === 0) return p.year;
  if (type === 1) return `${p.year}-${p.month}`;
  if (type === 2) return `${p.month}-${p.day}`;
  if (type === 4) return `${p.hour}:${p.minute}:${p.second}`;
  return `${p.hour}:${p.minute}`;
}
function fullTime(sec) {
  const p = pieces(sec);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

function ensureChart() {
  if (chart) return;
  const LW = window.LightweightCharts;
  chart = LW.createChart($('#spread'), {
    autoSize: true,
    timeScale: { timeVisible: true, secondsVisible: true, rightOffset: 2, tickMarkFormatter: (t, type) => tickLabel(t, type) },
    localization: { timeFormatter: (t) => fullTime(t) },
    crosshair: { mode: 0 },
  });
  const bid = chart.addSeries(LW.LineSeries, { color: '#1a7f37', lineWidth: 1, lineType: LW.LineType.WithSteps, priceLineVisible: false, title: 'bid' });
  const ask = chart.addSeries(LW.LineSeries, { color: '#cf222e', lineWidth: 1, lineType: LW.LineType.WithSteps, priceLineVisible: false, title: 'ask' });
  series = { bid, ask, markers: LW.createSeriesMarkers(ask, []), lines: [] };
  chart.subscribeCrosshairMove(showTip);
}

/** The axis: whole-second slots of one width from the first point to now, at most MAX_SLOTS of them. */
function gridFor(t0, t1) {
  const span = Math.max(1, t1 - t0 + 1);
  const step = STEPS.find((s) => span / s <= MAX_SLOTS) ?? 86400;
  const start = Math.floor(t0 / step) * step;
  return { start, step, slots: Math.floor((t1 - start) / step) + 1 };
}

/** A point in every slot (the last value in it, held until the next; a null side is a gap), so equal widths are equal durations. */
function slotted(spreads, side) {
  const out = new Array(grid.slots);
  let k = 0;
  let held;
  for (let i = 0; i < grid.slots; i++) {
    const end = (grid.start + (i + 1) * grid.step) * 1000;
    while (k < spreads.length && spreads[k].t < end) {
      const v = spreads[k][side];
      held = v === null || v === undefined ? null : Number(v);
      k++;
    }
    const time = grid.start + i * grid.step;
    out[i] = held === undefined || held === null || !Number.isFinite(held) ? { time } : { time, value: held };
  }
  return out;
}
const slotOf = (t) => grid.start + Math.floor((Math.floor(t / 1000) - grid.start) / grid.step) * grid.step;

function currentTriggers(name) {
  const live = model.desk?.strategies.find((s) => s.strategy === name);
  if (live) return live.triggers;
  return model.meta?.strategies.find((s) => s.name === name)?.triggers ?? {};
}

function renderSpread() {
  if (!window.LightweightCharts || !model.meta) return;
  // Drawn at most 4 times a second: a day of points is redrawn whole.
  const wait = 250 - (performance.now() - lastSpreadDraw);
  if (wait > 0 && drawn.strategy !== null) {
    spreadTimer ??= setTimeout(() => {
      spreadTimer = null;
      changed('spread');
    }, wait);
    return;
  }
  lastSpreadDraw = performance.now();
  ensureChart();
  const name = $('#strategy').value || model.meta.strategies[0]?.name;
  if (!name) return;
  const spreads = model.spreads.get(name) ?? [];
  const marks = model.marks.get(name) ?? [];
  const box = $('#spread');
  box.dataset.points = String(spreads.length);
  const triggers = currentTriggers(name);
  const tkey = JSON.stringify(triggers);
  if (drawn.strategy !== name || drawn.triggers !== tkey) {
    for (const l of series.lines) series.bid.removePriceLine(l);
    series.lines = [];
    const colors = { longEntry: '#1a7f37', longExit: '#0969da', shortEntry: '#cf222e', shortExit: '#8250df' };
    // One line per price, naming every trigger at it (two at one price would print their titles over each other).
    const byPrice = new Map();
    for (const k of TRIGGERS) {
      const v = triggers[k];
      if (v === null || v === undefined || !Number.isFinite(Number(v))) continue;
      list(byPrice, String(Number(v))).push(k);
    }
    for (const [price, keys] of byPrice) series.lines.push(series.bid.createPriceLine({ price: Number(price), color: colors[keys[0]] ?? '#57606a', lineWidth: 1, lineStyle: 2, axisLabelVisible: true, title: keys.join(' / ') }));
    box.dataset.triggers = String(TRIGGERS.filter((k) => triggers[k] !== null && triggers[k] !== undefined).length);
  }
  if (spreads.length === 0 && marks.length === 0) {
    series.bid.setData([]);
    series.ask.setData([]);
    series.markers.setMarkers([]);
    box.dataset.marks = '0';
    drawn = { strategy: name, step: 0, triggers: tkey };
    return;
  }
  const first = Math.floor(Math.min(spreads[0]?.t ?? Infinity, marks[0]?.t ?? Infinity) / 1000);
  const last = Math.floor(Math.max(spreads[spreads.length - 1]?.t ?? 0, marks[marks.length - 1]?.t ?? 0, model.now) / 1000);
  grid = gridFor(first, Math.max(first, last));
  series.bid.setData(slotted(spreads, 'bid'));
  series.ask.setData(slotted(spreads, 'ask'));
  // Marks per slot: one arrow per side for fills (a count when several), a dot per algo start, a square per end;
  // no text beside them (labels of neighbouring slots would overlap): the details are in the hover.
  slotInfo = new Map();
  for (const r of marks) list(slotInfo, slotOf(r.t)).push(r);
  const markers = [];
  for (const [time, rs] of [...slotInfo].sort((a, b) => a[0] - b[0])) {
    const buys = rs.filter((r) => r.k === 'fill' && r.side === 'buy').length;
    const sells = rs.filter((r) => r.k === 'fill' && r.side === 'sell').length;
    const starts = rs.filter((r) => r.k === 'algo' && r.phase === 'start').length;
    const ends = rs.filter((r) => r.k === 'algo' && r.phase === 'end');
    if (starts) markers.push({ time, position: 'inBar', shape: 'circle', color: '#0969da', size: 0.6, ...(starts > 1 ? { text: String(starts) } : {}) });
    if (ends.length) markers.push({ time, position: 'inBar', shape: 'square', color: ends.some((e) => e.status === 'stopped') ? '#9a6700' : '#57606a', size: 0.6, ...(ends.length > 1 ? { text: String(ends.length) } : {}) });
    if (buys) markers.push({ time, position: 'belowBar', shape: 'arrowUp', color: '#1a7f37', ...(buys > 1 ? { text: String(buys) } : {}) });
    if (sells) markers.push({ time, position: 'aboveBar', shape: 'arrowDown', color: '#cf222e', ...(sells > 1 ? { text: String(sells) } : {}) });
  }
  series.markers.setMarkers(markers);
  // The whole run until the user zooms or scrolls the chart; then their range is kept (Fit returns to the whole).
  if (!chartMoved || drawn.strategy !== name || drawn.step !== grid.step) chart.timeScale().fitContent();
  drawn = { strategy: name, step: grid.step, triggers: tkey };
  box.dataset.marks = String(markers.length);
  box.dataset.fills = String(marks.filter((r) => r.k === 'fill').length);
  box.dataset.step = String(grid.step);
}

function showTip(param) {
  const tip = $('#spread-tip');
  if (!grid || param.time === undefined || !param.point || param.point.x < 0 || param.point.y < 0) {
    tip.style.display = 'none';
    return;
  }
  const lines = [`${fullTime(param.time)}${grid.step > 1 ? ` (${grid.step} s slot)` : ''}`];
  const b = param.seriesData.get(series.bid);
  const a = param.seriesData.get(series.ask);
  if (b && b.value !== undefined) lines.push(`bid ${b.value}`);
  if (a && a.value !== undefined) lines.push(`ask ${a.value}`);
  const rs = slotInfo.get(param.time) ?? [];
  for (const r of rs.slice(0, 10)) {
    if (r.k === 'fill') lines.push(`${r.side} ${r.qty} ${r.symbol} @ ${r.price} (${r.algoId})`);
    else if (r.phase === 'start') lines.push(`${r.algoId} ${r.purpose} ${r.side}${r.limit ? ` limit ${r.limit}` : ''}: started`);
    else lines.push(`${r.algoId} ${r.purpose}: ${r.status}${r.realized ? ` at ${r.realized}` : ''}`);
  }
  if (rs.length > 10) lines.push(`… ${rs.length - 10} more`);
  tip.replaceChildren(
    ...lines.map((l, i) => {
      const div = document.createElement('div');
      div.textContent = l;
      if (i === 0) div.className = 'when';
      return div;
    }),
  );
  tip.style.display = 'block';
  const el = $('#spread');
  let x = param.point.x + 16;
  if (x + tip.offsetWidth > el.clientWidth - 60) x = Math.max(0, param.point.x - tip.offsetWidth - 16);
  tip.style.left = `${x}px`;
  tip.style.top = `${Math.max(0, Math.min(param.point.y + 12, el.clientHeight - tip.offsetHeight))}px`;
}

// ---------- resizable columns of the workbench ----------
for (const sp of document.querySelectorAll('#workbench .splitter')) {
  sp.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    sp.setPointerCapture(e.pointerId);
    sp.classList.add('dragging');
    const wb = $('#workbench');
    const move = (ev) => {
      const r = wb.getBoundingClientRect();
      if (sp.dataset.split === '0') wb.style.setProperty('--tree', `${Math.max(120, Math.min(r.width * 0.5, ev.clientX - r.left))}px`);
      else wb.style.setProperty('--log', `${Math.max(200, Math.min(r.width * 0.6, r.right - ev.clientX))}px`);
    };
    const up = () => {
      sp.classList.remove('dragging');
      sp.removeEventListener('pointermove', move);
      sp.removeEventListener('pointerup', up);
    };
    sp.addEventListener('pointermove', move);
    sp.addEventListener('pointerup', up);
  });
}

// What a test (or a curious person at the console) may read: the chart, its axis and its label format.
window.legatoDesk = { chart: () => chart, series: () => series, grid: () => grid, tickLabel, fullTime };

connect();
