/**
 * The script of the HTML report (runs in the browser, after the inlined lightweight-charts standalone build,
 * which defines `window.LightweightCharts`). It reads the JSON in #legato-data (see `PageData` in
 * html-report.ts) and draws each chart on the shared time grid. Plain ES2019, no template literals, so it can
 * live in this string.
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var LW = window.LightweightCharts;
  var data = JSON.parse(document.getElementById('legato-data').textContent);
  var grid = data.grid;
  var zone = data.zone;
  var parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  function pieces(sec) {
    var o = {};
    parts.formatToParts(new Date(sec * 1000)).forEach(function (p) { o[p.type] = p.value; });
    return o;
  }
  function fullTime(sec) {
    var p = pieces(sec);
    return p.year + '-' + p.month + '-' + p.day + ' ' + p.hour + ':' + p.minute + (grid.step < 60 ? ':' + p.second : '');
  }
  function tick(sec, type) {
    var p = pieces(sec);
    if (type === 0) return p.year;
    if (type === 1) return p.year + '-' + p.month;
    if (type === 2) return p.month + '-' + p.day + (p.hour === '00' && p.minute === '00' ? '' : ' ' + p.hour + ':' + p.minute);
    if (type === 4) return p.hour + ':' + p.minute + ':' + p.second;
    return p.hour + ':' + p.minute;
  }
  function timeOf(slot) { return grid.start + slot * grid.step; }
  var stepLabel = grid.step < 60 ? grid.step + ' s' : grid.step < 3600 ? grid.step / 60 + ' min' : grid.step < 86400 ? grid.step / 3600 + ' h' : grid.step / 86400 + ' d';
  var whitespace = [];
  for (var k = 0; k < grid.slots; k++) whitespace.push({ time: timeOf(k) });

  function heldAt(data, slot) {
    var lo = 0, hi = data.length - 1, found;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (data[mid][0] <= slot) { found = data[mid][1]; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }

  var charts = {};
  var syncing = false;
  function sync(source) {
    source.timeScale().subscribeVisibleLogicalRangeChange(function (range) {
      if (syncing || !range) return;
      syncing = true;
      Object.keys(charts).forEach(function (id) { if (charts[id] !== source) charts[id].timeScale().setVisibleLogicalRange(range); });
      syncing = false;
    });
  }

  data.charts.forEach(function (spec) {
    var el = document.getElementById(spec.id);
    if (!el) return;
    var chart = LW.createChart(el, {
      height: spec.height,
      autoSize: false,
      width: el.clientWidth || 1000,
      layout: { background: { color: '#ffffff' }, textColor: '#222', fontSize: 12 },
      grid: { vertLines: { color: '#f0f0f0' }, horzLines: { color: '#f0f0f0' } },
      // One width for every chart's price axis, so their time axes line up.
      rightPriceScale: { borderColor: '#ccc', minimumWidth: 96 },
      // Small enough a bar spacing that the whole run fits the width (fitContent stops at minBarSpacing).
      timeScale: { borderColor: '#ccc', timeVisible: true, secondsVisible: grid.step < 60, minBarSpacing: Math.min(0.5, ((el.clientWidth || 1000) - 80) / grid.slots / 2), rightOffset: 0, tickMarkFormatter: function (t, type) { return tick(t, type); } },
      localization: { timeFormatter: function (t) { return fullTime(t); } },
      crosshair: { mode: 0 },
      handleScroll: true,
      handleScale: true,
    });
    // Every slot has a time point, so equal widths are equal durations.
    var fmt = { type: 'price', precision: spec.precision, minMove: Math.pow(10, -spec.precision) };
    var axis = chart.addSeries(LW.LineSeries, { lastValueVisible: false, priceLineVisible: false, crosshairMarkerVisible: false, priceFormat: fmt });
    axis.setData(whitespace);
    var made = spec.series.map(function (s) {
      var type = s.kind === 'histogram' ? LW.HistogramSeries : s.kind === 'area' ? LW.AreaSeries : LW.LineSeries;
      var opts = { color: s.color, title: s.title, priceFormat: fmt, lastValueVisible: true, priceLineVisible: false };
      if (s.kind === 'line') {
        opts.lineWidth = s.width || 2;
        opts.lineType = s.step ? LW.LineType.WithSteps : LW.LineType.Simple;
        opts.pointMarkersVisible = s.points === true;
        if (s.style) opts.lineStyle = s.style;
      }
      if (s.kind === 'area') {
        opts.lineColor = s.color;
        opts.topColor = s.fill || 'rgba(214,39,40,0.05)';
        opts.bottomColor = s.fill || 'rgba(214,39,40,0.35)';
        opts.lineType = s.step ? LW.LineType.WithSteps : LW.LineType.Simple;
        opts.invertFilledArea = s.invert === true;
        opts.lineWidth = s.width || 1;
      }
      var series = chart.addSeries(type, opts);
      series.setData(s.data.map(function (d) { return d[1] === null ? { time: timeOf(d[0]) } : { time: timeOf(d[0]), value: d[1] }; }));
      return series;
    });
    var first = made[0];
    (spec.priceLines || []).forEach(function (p) {
      first.createPriceLine({ price: p.price, color: p.color, lineWidth: 1, lineStyle: 2, axisLabelVisible: true, title: p.title });
    });
    if (spec.markers && spec.markers.length) {
      LW.createSeriesMarkers(first, spec.markers.map(function (m) {
        var mk = { time: timeOf(m.slot), position: 'atPriceMiddle', price: m.price, shape: m.shape, color: m.color, size: m.size || 1, id: m.id };
        if (m.text) mk.text = m.text;
        return mk;
      }));
    }
    chart.timeScale().fitContent();
    charts[spec.id] = chart;
    sync(chart);

    // Hover: the slot's time, each series' value there, and what happened in it (executions, drawdown marks).
    var tip = document.createElement('div');
    tip.className = 'tip';
    el.style.position = 'relative';
    el.appendChild(tip);
    chart.subscribeCrosshairMove(function (param) {
      if (param.time === undefined || !param.point || param.point.x < 0 || param.point.y < 0) { tip.style.display = 'none'; return; }
      var slot = Math.round((param.time - grid.start) / grid.step);
      var lines = [fullTime(param.time) + (grid.step > 1 ? ' (a ' + stepLabel + ' slot from here)' : '')];
      spec.series.forEach(function (s, i) {
        var d = param.seriesData.get(made[i]);
        if (d && d.value !== undefined) lines.push(s.title + ': ' + d.value.toFixed(spec.precision));
        else if (s.hold) {
          // A level holds between its points: the last one at or before this slot (a gap: none).
          var v = heldAt(s.data, slot);
          if (v !== undefined) lines.push(s.title + ': ' + (v === null ? '-' : v.toFixed(spec.precision)));
        }
      });
      var extra = spec.tips && spec.tips[slot];
      if (extra) lines = lines.concat(extra);
      tip.textContent = '';
      lines.forEach(function (l, i) {
        var div = document.createElement('div');
        div.textContent = l;
        if (i === 0) div.className = 'when';
        tip.appendChild(div);
      });
      tip.style.display = 'block';
      var x = param.point.x + 16;
      if (x + tip.offsetWidth > el.clientWidth - 60) x = Math.max(0, param.point.x - tip.offsetWidth - 16);
      tip.style.left = x + 'px';
      tip.style.top = Math.max(0, Math.min(param.point.y + 12, spec.height - tip.offsetHeight)) + 'px';
    });
  });
  window.addEventListener('resize', function () {
    Object.keys(charts).forEach(function (id) { var el = document.getElementById(id); charts[id].applyOptions({ width: el.clientWidth }); });
  });
  window.legatoReport = { charts: charts };
  document.body.setAttribute('data-charts', String(Object.keys(charts).length));
})();
`;
