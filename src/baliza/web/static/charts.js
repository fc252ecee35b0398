/* Baliza chart glue: uPlot for per-minute volume (static and live over SSE), ECharts for bars and donuts,
 * and the CSRF header for htmx requests. No build step, ES2017, no inline handlers: pages declare charts
 * with data-chart / data-source attributes and a <script type="application/json"> block, so a strict
 * Content-Security-Policy (script-src 'self') works. Data shapes are documented on each function. */
(function (global) {
  "use strict";

  var PALETTE = ["#0b5cad", "#c4661f", "#2e7d32", "#6f42c1", "#8a6d00", "#00838f", "#ad1457", "#4f5964"];
  // Semantic colours, aligned with the .sentiment-* badges in baliza.css.
  var KEYED = { negative: "#b3261e", neutral: "#8c959f", positive: "#2e7d32", brand: "#0b5cad", other: "#8c959f" };
  var FONT = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
  var DEFAULT_WINDOW = 180;
  var handles = new WeakMap();

  function lang() {
    return document.documentElement.lang || undefined;
  }

  function validTz(tz) {
    if (!tz) return undefined;
    try {
      new Intl.DateTimeFormat("en", { timeZone: tz });
      return tz;
    } catch (e) {
      console.warn("baliza charts: unknown time zone", tz);
      return undefined;
    }
  }

  // The page's time zone: the chart's own data wins, then <html data-tz>, then the browser's.
  function pageTz(data) {
    return validTz((data && data.tz) || document.documentElement.getAttribute("data-tz"));
  }

  function reducedMotion() {
    return !!(global.matchMedia && global.matchMedia("(prefers-reduced-motion: reduce)").matches);
  }

  function numberFormat(opts) {
    var nf = new Intl.NumberFormat(lang(), opts);
    return function (v) {
      return v == null || isNaN(v) ? "–" : nf.format(v);
    };
  }

  // Unix seconds from a number (seconds) or an ISO 8601 string.
  function toSeconds(t) {
    if (typeof t === "number") return t;
    var ms = Date.parse(t);
    if (isNaN(ms)) throw new Error("baliza charts: bad time " + t);
    return Math.round(ms / 1000);
  }

  function orNull(v) {
    return v == null || isNaN(v) ? null : Number(v);
  }

  /** Parses the JSON block named by el's data-source (or the <script type="application/json"> right after el). */
  function readData(el) {
    var id = el.getAttribute("data-source");
    var block = id ? document.getElementById(id) : el.nextElementSibling;
    if (!block || block.tagName !== "SCRIPT" || block.type !== "application/json") {
      if (id) throw new Error("baliza charts: no JSON block #" + id);
      return null;
    }
    return JSON.parse(block.textContent);
  }

  function watchWidth(el, onWidth) {
    if (typeof ResizeObserver === "undefined") return null;
    var last = el.clientWidth;
    var ro = new ResizeObserver(function () {
      var w = el.clientWidth;
      if (w > 0 && w !== last) {
        last = w;
        onWidth(w);
      }
    });
    ro.observe(el);
    return ro;
  }

  function markImg(node, label) {
    node.setAttribute("role", "img");
    if (label) node.setAttribute("aria-label", label);
  }

  // ---------------------------------------------------------------- volume (uPlot)

  // Series order matters: uPlot fills a band while drawing its first edge, so the band edges come before
  // the bars (band behind bars) and the expected line comes last (on top).
  var X = 0, UPPER = 1, LOWER = 2, COUNT = 3, NEG = 4, EXPECTED = 5;

  function emptyColumns() {
    return [[], [], [], [], [], []];
  }

  function pointsToColumns(points) {
    var cols = emptyColumns();
    (points || []).forEach(function (p) {
      putPoint(cols, p, Infinity);
    });
    return cols;
  }

  // Inserts or replaces the minute p.t (the server re-sends the current minute as it fills up) and drops
  // minutes older than windowMin before the newest one.
  function putPoint(cols, p, windowMin) {
    var t = toSeconds(p.t);
    var row = [t, orNull(p.upper), orNull(p.lower), orNull(p.count), orNull(p.negative), orNull(p.expected)];
    var xs = cols[X];
    var i = xs.length;
    while (i > 0 && xs[i - 1] > t) i--;
    var replace = i > 0 && xs[i - 1] === t;
    cols.forEach(function (col, c) {
      if (replace) col[i - 1] = row[c];
      else col.splice(i, 0, row[c]);
    });
    trim(cols, windowMin);
  }

  function trim(cols, windowMin) {
    var xs = cols[X];
    if (!isFinite(windowMin) || !xs.length) return;
    var cutoff = xs[xs.length - 1] - windowMin * 60;
    var drop = 0;
    while (drop < xs.length && xs[drop] <= cutoff) drop++;
    if (drop) cols.forEach(function (col) { col.splice(0, drop); });
  }

  function timeFormatters(tz) {
    var base = tz ? { timeZone: tz } : {};
    var mk = function (extra) {
      return new Intl.DateTimeFormat(lang(), Object.assign({}, base, extra));
    };
    var time = mk({ hour: "2-digit", minute: "2-digit" });
    var day = mk({ day: "numeric", month: "short" });
    var full = mk({ day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
    return {
      // Axis labels: times, with the date on a second line at the first tick and wherever the day changes.
      axis: function (u, splits, axisIdx, space, incr) {
        var prevDay = null;
        return splits.map(function (s) {
          if (s == null) return null;
          var d = new Date(s * 1000);
          var dayText = day.format(d);
          if (incr >= 86400) return dayText;
          var label = time.format(d) + (dayText !== prevDay ? "\n" + dayText : "");
          prevDay = dayText;
          return label;
        });
      },
      full: function (s) {
        return s == null ? "–" : full.format(new Date(s * 1000));
      },
    };
  }

  /**
   * Per-minute volume chart. data = {
   *   label: "accessible summary (aria-label)", tz?: "Europe/Madrid", window?: 180,
   *   labels?: {time, count, negative, expected},        // legend names, already translated
   *   points: [{t, count, negative, expected, lower, upper}, ...]  // t: unix seconds or ISO 8601
   * }. Returns {plot, push(point), setPoints(points), setLabel(text), destroy()}.
   */
  function volumeChart(el, data) {
    if (typeof global.uPlot !== "function") throw new Error("baliza charts: uPlot is not loaded");
    var uPlot = global.uPlot;
    data = data || {};
    var labels = Object.assign({ time: "Time", count: "Mentions", negative: "Negative", expected: "Expected" },
      data.labels || {});
    var tz = pageTz(data);
    var fmtT = timeFormatters(tz);
    var fmtN = numberFormat({ maximumFractionDigits: 1 });
    var windowMin = Number(data.window || el.getAttribute("data-window")) || DEFAULT_WINDOW;
    var height = Number(el.getAttribute("data-height")) || 240;
    var cols = pointsToColumns(data.points);
    trim(cols, windowMin);
    var edge = { class: "band-edge", stroke: "rgba(79,89,100,0.35)", width: 1, points: { show: false } };

    var opts = {
      width: Math.max(el.clientWidth, 200),
      height: height,
      tzDate: tz ? function (ts) { return uPlot.tzDate(new Date(ts * 1000), tz); } : undefined,
      cursor: { points: { show: false }, drag: { x: false, y: false } },
      legend: { live: true },
      scales: {
        // Half a minute of padding so the first and last bars are not cut in half.
        x: { time: true, range: function (u, min, max) {
          if (min == null) {
            var now = Math.floor(Date.now() / 60000) * 60;
            return [now - windowMin * 60, now + 60];
          }
          return [min - 30, max + 30];
        } },
        y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } },
      },
      axes: [
        { font: FONT, stroke: "#4f5964", grid: { stroke: "#eef1f4" }, ticks: { stroke: "#d0d7de" },
          values: fmtT.axis, size: 44 },
        { font: FONT, stroke: "#4f5964", grid: { stroke: "#eef1f4" }, ticks: { stroke: "#d0d7de" },
          values: function (u, splits) { return splits.map(fmtN); } },
      ],
      series: [
        { label: labels.time, value: function (u, v) { return fmtT.full(v); } },
        Object.assign({ label: "upper" }, edge),
        Object.assign({ label: "lower" }, edge),
        { label: labels.count, class: "series-count", stroke: "#0b5cad", fill: "rgba(11,92,173,0.55)",
          width: 0, paths: uPlot.paths.bars({ size: [0.8, 24] }), points: { show: false }, value: fmtValue },
        { label: labels.negative, class: "series-negative", stroke: "#b3261e", fill: "rgba(179,38,30,0.8)",
          width: 0, paths: uPlot.paths.bars({ size: [0.8, 24] }), points: { show: false }, value: fmtValue },
        { label: labels.expected, class: "series-expected", stroke: "#1b1f24", width: 1.5, dash: [6, 4],
          spanGaps: false, points: { show: false },
          // The band has no legend row of its own (hidden in charts.css); its range shows next to "expected".
          value: function (u, v, si, idx) {
            if (v == null) return "–";
            var lo = idx == null ? null : u.data[LOWER][idx];
            var hi = idx == null ? null : u.data[UPPER][idx];
            return lo == null || hi == null ? fmtN(v) : fmtN(v) + " (" + fmtN(lo) + "–" + fmtN(hi) + ")";
          } },
      ],
      bands: [{ series: [UPPER, LOWER], fill: "rgba(79,89,100,0.14)" }],
    };

    function fmtValue(u, v) {
      return fmtN(v);
    }

    var plot = new uPlot(opts, cols, el);
    var canvas = plot.root.querySelector("canvas");
    markImg(canvas, data.label);
    // Sighted users get live hover values; screen readers get the server-rendered table instead.
    var legend = plot.root.querySelector(".u-legend");
    if (legend) legend.setAttribute("aria-hidden", "true");
    var ro = watchWidth(el, function (w) { plot.setSize({ width: w, height: height }); });

    var handle = {
      plot: plot,
      push: function (p) {
        putPoint(cols, p, windowMin);
        plot.setData(cols);
      },
      setPoints: function (points) {
        cols = pointsToColumns(points);
        trim(cols, windowMin);
        plot.setData(cols);
      },
      setLabel: function (text) {
        markImg(canvas, text);
      },
      destroy: function () {
        if (ro) ro.disconnect();
        plot.destroy();
      },
    };
    return handle;
  }

  /**
   * Volume chart fed by server-sent events from url. Events: "minute" with a point as in volumeChart, and
   * optionally "summary" with {label} to refresh the aria-label. The initial data comes from `data` or
   * from el's JSON block. Returns the volumeChart handle plus source (the EventSource) and close().
   */
  function liveVolume(el, url, data) {
    if (!url) throw new Error("baliza charts: liveVolume needs a stream URL (data-url)");
    if (data === undefined) data = readData(el);
    var chart = volumeChart(el, data || {});
    var source = new EventSource(url, { withCredentials: false });
    source.addEventListener("minute", function (ev) {
      try {
        chart.push(JSON.parse(ev.data));
      } catch (e) {
        console.warn("baliza charts: bad minute event", ev.data);
      }
    });
    source.addEventListener("summary", function (ev) {
      try {
        chart.setLabel(JSON.parse(ev.data).label);
      } catch (e) {
        console.warn("baliza charts: bad summary event", ev.data);
      }
    });
    // EventSource reconnects by itself; the class lets CSS show that the numbers may be behind.
    source.addEventListener("error", function () { el.classList.add("is-stale"); });
    source.addEventListener("open", function () { el.classList.remove("is-stale"); });
    var destroy = chart.destroy;
    chart.source = source;
    chart.close = chart.destroy = function () {
      source.close();
      destroy();
    };
    return chart;
  }

  // ---------------------------------------------------------------- bars and donuts (ECharts)

  function colourFor(item, i) {
    return item.color || KEYED[item.key] || PALETTE[i % PALETTE.length];
  }

  function echartsBase(data) {
    return {
      animation: !reducedMotion(),
      aria: { enabled: true, label: data.label ? { description: data.label } : {}, decal: { show: !!data.decal } },
      textStyle: { fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", color: "#1b1f24" },
    };
  }

  function mountEcharts(el, data, option) {
    if (!global.echarts) throw new Error("baliza charts: ECharts is not loaded");
    var chart = global.echarts.init(el, null, { renderer: "svg", locale: "EN" });
    chart.setOption(option);
    markImg(el, data.label);
    var ro = watchWidth(el, function () { chart.resize(); });
    return {
      chart: chart,
      setLabel: function (text) { markImg(el, text); },
      destroy: function () {
        if (ro) ro.disconnect();
        chart.dispose();
      },
    };
  }

  /**
   * Bar chart (share of voice, sentiment split, issue types). data = {
   *   label: "accessible summary", categories: ["Acme", "Rival"],
   *   series: [{name: "Mentions", values: [120, 80], key?: "negative", color?: "#hex"}],
   *   horizontal?: false, stacked?: false, percent?: false (values are fractions 0..1), decal?: false
   * }. Returns {chart, setLabel(text), destroy()}.
   */
  function barChart(el, data) {
    var fmt = numberFormat(data.percent ? { style: "percent", maximumFractionDigits: 1 } : {});
    var catAxis = { type: "category", data: data.categories || [], axisTick: { alignWithLabel: true },
      axisLabel: { color: "#4f5964" } };
    var valAxis = { type: "value", axisLabel: { color: "#4f5964", formatter: fmt },
      splitLine: { lineStyle: { color: "#eef1f4" } } };
    if (data.percent && data.stacked) valAxis.max = 1;
    var series = (data.series || []).map(function (s, i) {
      return { type: "bar", name: s.name, data: s.values || [], stack: data.stacked ? "total" : undefined,
        itemStyle: { color: colourFor(s, i) }, barMaxWidth: 48 };
    });
    var horizontal = !!data.horizontal;
    if (horizontal) catAxis.inverse = true; // first category at the top, as people read
    var option = Object.assign(echartsBase(data), {
      color: PALETTE,
      grid: { left: 8, right: 16, top: series.length > 1 ? 36 : 12, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: fmt },
      legend: { show: series.length > 1, top: 0, textStyle: { color: "#1b1f24" } },
      xAxis: horizontal ? valAxis : catAxis,
      yAxis: horizontal ? catAxis : valAxis,
      series: series,
    });
    return mountEcharts(el, data, option);
  }

  /**
   * Donut (sentiment split, share of voice). data = {
   *   label: "accessible summary", items: [{name: "Negative", value: 12, key?: "negative", color?: "#hex"}],
   *   decal?: false
   * }. Returns {chart, setLabel(text), destroy()}.
   */
  function donut(el, data) {
    var fmt = numberFormat({});
    var pct = numberFormat({ style: "percent", maximumFractionDigits: 0 });
    var items = (data.items || []).map(function (it, i) {
      return { name: it.name, value: it.value, itemStyle: { color: colourFor(it, i) } };
    });
    var option = Object.assign(echartsBase(data), {
      tooltip: { trigger: "item", formatter: function (p) {
        return escapeText(p.name) + ": " + fmt(p.value) + " (" + pct(p.percent / 100) + ")";
      } },
      legend: { bottom: 0, textStyle: { color: "#1b1f24" } },
      series: [{ type: "pie", radius: ["45%", "70%"], center: ["50%", "45%"], avoidLabelOverlap: true,
        label: { formatter: function (p) { return p.name + "\n" + pct(p.percent / 100); }, color: "#1b1f24",
          lineHeight: 16 },
        itemStyle: { borderColor: "#fff", borderWidth: 2 }, data: items }],
    });
    return mountEcharts(el, data, option);
  }

  // ECharts renders tooltip formatter output as HTML, and names come from user content (brands, topics).
  function escapeText(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // ---------------------------------------------------------------- auto-initialisation

  var KINDS = {
    volume: function (el) { return volumeChart(el, readData(el)); },
    "live-volume": function (el) { return liveVolume(el, el.getAttribute("data-url"), readData(el)); },
    bar: function (el) { return barChart(el, readData(el) || {}); },
    donut: function (el) { return donut(el, readData(el) || {}); },
  };

  // data-fallback names the server-rendered table: hidden once the chart draws, shown if it cannot.
  function setFallback(el, visible) {
    var id = el.getAttribute("data-fallback");
    var table = id && document.getElementById(id);
    if (table) table.classList.toggle("sr-only", !visible);
  }

  /** Initialises every [data-chart] element under root (default: document) that is not yet initialised. */
  function init(root) {
    root = root || document;
    var els = Array.prototype.slice.call(root.querySelectorAll("[data-chart]"));
    if (root.nodeType === 1 && root.hasAttribute("data-chart")) els.unshift(root);
    els.forEach(function (el) {
      if (handles.has(el)) return;
      var make = KINDS[el.getAttribute("data-chart")];
      if (!make) {
        console.warn("baliza charts: unknown data-chart", el.getAttribute("data-chart"));
        return;
      }
      try {
        handles.set(el, make(el));
        setFallback(el, false);
      } catch (e) {
        handles.set(el, null); // tried once; htmx:load on an ancestor must not retry and log again
        el.classList.add("chart-unavailable");
        setFallback(el, true);
        console.error(e);
      }
    });
  }

  /** Stops and removes the chart on el, if any (closes its event stream). */
  function destroy(el) {
    var h = handles.get(el);
    handles.delete(el);
    if (h) h.destroy();
  }

  // ---------------------------------------------------------------- CSRF for htmx

  var csrfInstalled = false;

  /** Adds the X-CSRF-Token header from <meta name="csrf-token"> to every same-origin htmx request. */
  function csrf() {
    if (csrfInstalled) return;
    csrfInstalled = true;
    document.addEventListener("htmx:configRequest", function (ev) {
      var meta = document.querySelector('meta[name="csrf-token"]');
      var token = meta && meta.getAttribute("content");
      if (!token) return;
      // Never hand the token to another origin, whatever an hx-* attribute points at.
      var target = new URL(ev.detail.path, document.baseURI);
      if (target.origin !== global.location.origin) return;
      ev.detail.headers["X-CSRF-Token"] = token;
    });
  }

  csrf();
  document.addEventListener("htmx:load", function (ev) { init(ev.target); });
  document.addEventListener("htmx:beforeCleanupElement", function (ev) { destroy(ev.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }

  global.Baliza = Object.assign(global.Baliza || {}, {
    volumeChart: volumeChart,
    liveVolume: liveVolume,
    barChart: barChart,
    donut: donut,
    readData: readData,
    init: init,
    destroy: destroy,
    csrf: csrf,
  });
})(window);
