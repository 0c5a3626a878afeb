// Legato inspector page: applies the inspection stream (records) to a model and draws it at most once per
// animation frame. Live: records arrive over /ws. Replay: the whole recording arrives at once and a slider
// rebuilds the model up to a chosen transition. No framework, nothing fetched from outside this server.
'use strict';

const $ = (s) => document.querySelector(s);
const KEEP_ENDED = 40;
const KEEP_LOG = 2000;

function newModel() {
  return { meta: null, actors: new Map(), ended: [], log: [], spreads: new Map(), marks: new Map(), now: 0 };
}

function apply(m, r) {
  if (r.t !== undefined && r.t > m.now) m.now = r.t;
  switch (r.k) {
    case 'meta':
      m.meta = r;
      break;
    case 'actor':
      m.actors.set(r.id, { id: r.id, parent: r.parent, machine: r.machine, value: '', paths: [], status: 'active', context: null, ended: false });
      break;
    case 'state': {
      const a = m.actors.get(r.id);
      if (a) Object.assign(a, { value: r.value, paths: r.paths, status: r.status });
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
const dirty = { tree: true, chart: true, log: true, spread: true };
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
    if (msg.type === 'hello') hello(msg);
    else if (msg.type === 'records') {
      for (const r of msg.records) apply(model, r);
      if (msg.skipped) {
        skippedTotal += msg.skipped;
        $('#skipped').textContent = `${skippedTotal} events not shown (too fast to list; the state is exact)`;
      }
      changed('tree', 'chart', 'log', 'spread');
    } else if (msg.type === 'reset') {
      model = newModel();
      for (const r of msg.records) apply(model, r);
      changed('tree', 'chart', 'log', 'spread');
    } else if (msg.type === 'result' && controlSent.has(msg.id)) {
      controlResult(`${controlSent.get(msg.id)} sent to ${msg.strategies.join(', ') || 'no strategy'}`, 'ok');
      controlSent.delete(msg.id);
    } else if (msg.type === 'error' && controlSent.has(msg.id)) {
      controlResult(`${controlSent.get(msg.id)} refused: ${msg.error}`, 'bad');
      controlSent.delete(msg.id);
    } else if (msg.type === 'result') status(`stop sent to ${msg.target}`, 'ok');
    else if (msg.type === 'error') status(`server: ${msg.error}`, 'bad');
  };
}

function hello(msg) {
  mode = msg.mode;
  control = msg.control;
  model = newModel();
  $('#mode').textContent = mode === 'replay' ? `replay of ${msg.name}` : 'live';
  $('#controls').hidden = !control;
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
  changed('tree', 'chart', 'log', 'spread');
}

function status(text, cls) {
  const s = $('#status');
  s.textContent = text;
  s.className = cls;
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
  if (!replay || e.target.tagName === 'INPUT' && e.target.type !== 'range') return;
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
  if (dirty.spread) renderSpread();
  dirty.tree = dirty.chart = dirty.log = dirty.spread = false;
}

function fmtTime(t, date) {
  const zone = model.meta?.zone ?? 'UTC';
  try {
    const opts = { timeZone: zone, hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit' };
    if (date) Object.assign(opts, { year: 'numeric', month: '2-digit', day: '2-digit' });
    return new Intl.DateTimeFormat('en-CA', opts).format(new Date(t)) + (date ? ` ${zone}` : '') + (date ? '' : `.${String(t % 1000).padStart(3, '0')}`);
  } catch {
    return new Date(t).toISOString();
  }
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
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = a.id;
    const st = document.createElement('span');
    st.className = 'state';
    st.textContent = a.value + (a.status !== 'active' ? ` (${a.status})` : '');
    row.append(name, st);
    row.addEventListener('click', () => {
      selected = a.id;
      changed('tree', 'chart');
    });
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

const svgCache = new Map();
let shownMachine = null;
function renderStatechart() {
  const a = model.actors.get(selected);
  $('#selected').textContent = a ? `${a.id}: ${a.value}` : '';
  const stop = $('#stop');
  stop.hidden = !(control && a && !a.ended && /^(strategy|algo):/.test(a.id));
  const box = $('#statechart');
  if (!a || !a.machine) {
    box.replaceChildren();
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
    box.innerHTML = svg;
    box.dataset.machine = a.machine;
    shownMachine = a.machine;
  }
  const active = new Set(a.paths);
  for (const g of box.querySelectorAll('g.state')) g.classList.toggle('active', active.has(g.dataset.path));
  box.dataset.active = a.paths.join(' ');
  $('#context').textContent = JSON.stringify(a.context, null, 2);
}

$('#stop').addEventListener('click', () => {
  if (!ws || ws.readyState !== 1) return;
  ws.send(JSON.stringify({ type: 'stop', id: Date.now(), target: selected, token: $('#token').value }));
});

// ---------- kill switch (pause / flatten / resume every strategy; needs the token) ----------
const controlSent = new Map(); // message id → action, until the server answers
let controlSeq = 0;
function controlResult(text, cls) {
  const el = $('#control-result');
  el.textContent = text;
  el.dataset.state = cls;
  el.style.color = cls === 'ok' ? '#7ee787' : cls === 'bad' ? '#ff7b72' : '#d0d7de';
}
for (const button of document.querySelectorAll('#kill-switch button[data-action]')) {
  button.addEventListener('click', () => {
    const action = button.dataset.action;
    if (!control) return;
    if (!ws || ws.readyState !== 1) return controlResult(`${action} not sent: not connected`, 'bad');
    if (action === 'flatten' && !confirm('Flatten all: pause every strategy and trade every leg to flat?')) return controlResult('flatten cancelled', 'bad');
    const id = `control-${++controlSeq}`;
    controlSent.set(id, action);
    controlResult(`${action} sent…`, 'pending');
    ws.send(JSON.stringify({ type: 'control', id, action, token: $('#token').value }));
  });
}

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

// ---------- spread chart (lightweight-charts) ----------
let chart = null;
let series = null;
let drawn = { strategy: null, points: 0, marks: 0 };

function fillStrategies() {
  const sel = $('#strategy');
  const names = model.meta?.strategies.map((s) => s.name) ?? [];
  sel.replaceChildren(...names.map((n) => Object.assign(document.createElement('option'), { value: n, textContent: n })));
}
$('#strategy').addEventListener('change', () => {
  drawn = { strategy: null, points: 0, marks: 0 };
  changed('spread');
});

function ensureChart() {
  if (chart) return;
  const LW = window.LightweightCharts;
  chart = LW.createChart($('#spread'), {
    autoSize: true,
    timeScale: { timeVisible: true, secondsVisible: true, tickMarkFormatter: (t) => fmtTime(t * 1000, false).slice(0, 5) },
    localization: { timeFormatter: (t) => fmtTime(t * 1000, false).slice(0, 8) },
  });
  const bid = chart.addSeries(LW.LineSeries, { color: '#1a7f37', lineWidth: 1, lineType: LW.LineType.WithSteps, priceLineVisible: false, title: 'bid' });
  const ask = chart.addSeries(LW.LineSeries, { color: '#cf222e', lineWidth: 1, lineType: LW.LineType.WithSteps, priceLineVisible: false, title: 'ask' });
  series = { bid, ask, markers: LW.createSeriesMarkers(ask, []), lines: [] };
}

/** Points in whole seconds (the chart's unit), the last value in each second; null sides become gaps. */
function toPoints(spreads, side) {
  const out = [];
  for (const r of spreads) {
    const time = Math.floor(r.t / 1000);
    const v = r[side];
    const p = v === null ? { time } : { time, value: Number(v) };
    if (out.length && out[out.length - 1].time === time) out[out.length - 1] = p;
    else out.push(p);
  }
  return out;
}

function renderSpread() {
  if (!window.LightweightCharts || !model.meta) return;
  ensureChart();
  const name = $('#strategy').value || model.meta.strategies[0]?.name;
  if (!name) return;
  const spreads = model.spreads.get(name) ?? [];
  const marks = model.marks.get(name) ?? [];
  if (drawn.strategy !== name || spreads.length < drawn.points) {
    for (const l of series.lines) series.bid.removePriceLine(l);
    series.lines = [];
    const info = model.meta.strategies.find((s) => s.name === name);
    const colors = { longEntry: '#1a7f37', longExit: '#0969da', shortEntry: '#cf222e', shortExit: '#8250df' };
    for (const [k, v] of Object.entries(info?.triggers ?? {})) {
      if (v === null) continue;
      series.lines.push(series.bid.createPriceLine({ price: Number(v), color: colors[k] ?? '#57606a', lineWidth: 1, lineStyle: 2, axisLabelVisible: true, title: k }));
    }
  }
  series.bid.setData(toPoints(spreads, 'bid'));
  series.ask.setData(toPoints(spreads, 'ask'));
  const markers = marks
    .map((r) =>
      r.k === 'fill'
        ? { time: Math.floor(r.t / 1000), position: r.side === 'buy' ? 'belowBar' : 'aboveBar', shape: r.side === 'buy' ? 'arrowUp' : 'arrowDown', color: r.side === 'buy' ? '#1a7f37' : '#cf222e', text: `${r.symbol}@${r.price}` }
        : { time: Math.floor(r.t / 1000), position: 'inBar', shape: 'circle', color: r.phase === 'start' ? '#0969da' : '#57606a', text: `#${r.algoId.split('/').pop()} ${r.phase === 'start' ? '▶' : '■'}` },
    )
    .sort((a, b) => a.time - b.time);
  series.markers.setMarkers(markers);
  if (drawn.strategy !== name) chart.timeScale().fitContent();
  drawn = { strategy: name, points: spreads.length, marks: markers.length };
  const box = $('#spread');
  box.dataset.points = String(spreads.length);
  box.dataset.marks = String(markers.length);
  box.dataset.triggers = String(series.lines.length);
}

connect();
