"""The vendored browser libraries and our chart glue (static/charts.js) are complete, pinned and CDN-free."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
STATIC = ROOT / "src" / "baliza" / "web" / "static"
VENDOR = STATIC / "vendor"
CHARTS_JS = STATIC / "charts.js"
NODE = shutil.which("node")

# vendored file -> (npm package, licence file, text every copy of that licence contains)
VENDORED = {
    "htmx.min.js": ("htmx.org", "htmx.LICENSE", "Zero-Clause BSD"),
    "sse.js": ("htmx-ext-sse", "sse.LICENSE", "BSD Zero Clause License"),
    "uPlot.iife.min.js": ("uplot", "uPlot.LICENSE", "The MIT License"),
    "uPlot.min.css": ("uplot", "uPlot.LICENSE", "The MIT License"),
    "echarts.min.js": ("echarts", "echarts.LICENSE", "Apache License"),
}
# How each upstream build names its own version; sse.js and uPlot.min.css carry none (SHA256SUMS covers them).
VERSION_MARKERS = {
    "htmx.min.js": 'version:"{v}"',
    "uPlot.iife.min.js": "/*! https://github.com/leeoniya/uPlot (v{v}) */",
    "echarts.min.js": 'version="{v}"',
}
# npm package -> variable pinning it in scripts/vendor-js.sh
SCRIPT_PINS = {"htmx.org": "HTMX_VERSION", "htmx-ext-sse": "HTMX_SSE_VERSION", "uplot": "UPLOT_VERSION"}
SCRIPT_PINS["echarts"] = "ECHARTS_VERSION"
CDN_MARKERS = (b"//cdn", b"unpkg", b"jsdelivr")


def readme_rows() -> dict[str, dict[str, str]]:
    """The table in vendor/README.md, keyed by file name."""
    rows: dict[str, dict[str, str]] = {}
    for line in (VENDOR / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0] in VENDORED:
            name, package, version, licence, licence_file, upstream = cells
            rows[name] = {"package": package, "version": version, "licence": licence,
                          "licence_file": licence_file, "upstream": upstream}  # fmt: skip
    return rows


@pytest.mark.parametrize("name", sorted(VENDORED))
def test_vendored_file_exists_and_is_not_empty(name: str) -> None:
    assert (VENDOR / name).stat().st_size > 1000


@pytest.mark.parametrize("name", sorted(VENDORED))
def test_vendored_file_has_its_licence_next_to_it(name: str) -> None:
    _, licence_file, licence_text = VENDORED[name]
    assert licence_text in (VENDOR / licence_file).read_text(encoding="utf-8")


def test_echarts_carries_the_notices_of_what_it_bundles() -> None:
    assert "Apache ECharts" in (VENDOR / "echarts.NOTICE").read_text(encoding="utf-8")
    for name in ("echarts-zrender.LICENSE", "echarts-d3.LICENSE", "echarts-tslib.LICENSE"):
        assert (VENDOR / name).stat().st_size > 300, name


def test_readme_lists_every_vendored_file_with_package_and_licence_file() -> None:
    rows = readme_rows()
    assert sorted(rows) == sorted(VENDORED)
    for name, (package, licence_file, _) in VENDORED.items():
        assert rows[name]["package"] == package
        assert rows[name]["licence_file"] == licence_file
        assert re.fullmatch(r"\d+\.\d+\.\d+", rows[name]["version"]), rows[name]
        assert rows[name]["upstream"].startswith("https://github.com/")


@pytest.mark.parametrize("name", sorted(VERSION_MARKERS))
def test_readme_version_is_the_one_inside_the_file(name: str) -> None:
    version = readme_rows()[name]["version"]
    marker = VERSION_MARKERS[name].format(v=version)
    assert marker.encode() in (VENDOR / name).read_bytes()[:2_000_000], f"{name} is not version {version}"


def test_readme_versions_match_the_pins_in_the_vendor_script() -> None:
    script = (ROOT / "scripts" / "vendor-js.sh").read_text(encoding="utf-8")
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    for row in readme_rows().values():
        pin = f"{SCRIPT_PINS[row['package']]}={row['version']}\n"
        assert pin in script, f"scripts/vendor-js.sh does not pin {pin.strip()}"
        assert f"{row['package']}@{row['version']}" in readme, "the npm command in README.md is out of date"


def test_checksums_cover_every_vendored_file_and_match() -> None:
    listed: dict[str, str] = {}
    for line in (VENDOR / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name] = digest
    on_disk = {p.name for p in VENDOR.iterdir()} - {"README.md", "SHA256SUMS"}
    assert sorted(listed) == sorted(on_disk)
    for name, digest in listed.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, f"{name} differs from npm"


def test_no_static_file_points_at_a_cdn() -> None:
    offenders = [
        str(path.relative_to(STATIC))
        for path in sorted(STATIC.rglob("*"))
        if path.is_file() and any(m in path.read_bytes().lower() for m in CDN_MARKERS)
    ]
    assert offenders == []


@pytest.mark.parametrize("name", ["charts.js", "charts.css"])
def test_our_static_files_load_nothing_remote(name: str) -> None:
    text = (STATIC / name).read_text(encoding="utf-8")
    assert "http://" not in text
    assert "https://" not in text


def test_charts_js_stays_csp_friendly_and_es2017() -> None:
    text = CHARTS_JS.read_text(encoding="utf-8")
    # A strict CSP (script-src 'self') forbids eval; innerHTML would open an injection path for user text.
    for banned in ("eval(", "new Function", "innerHTML", "document.write"):
        assert banned not in text, banned
    # ES2020 syntax that older embedded browsers (kiosk screens in a crisis room) cannot parse.
    assert "?." not in text
    assert "??" not in text


def node() -> str:
    if NODE is None:
        pytest.skip("node is not installed, so charts.js cannot be parsed or run here")
    return NODE


def test_charts_js_parses() -> None:
    result = subprocess.run([node(), "--check", str(CHARTS_JS)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


# Runs charts.js in a node vm with just enough of a browser: stub uPlot, ECharts and EventSource record what
# charts.js asks of them, and the script prints what it observed as JSON.
HARNESS = r"""
const vm = require("vm");
const fs = require("fs");
const out = {};
const listeners = {};
const blocks = {};
let csrfToken = "tok123";

function makeEl(attrs, extra) {
  const classes = new Set((extra && extra.classes) || []);
  return Object.assign({
    nodeType: 1, tagName: "DIV", type: "", clientWidth: 800, attrs: Object.assign({}, attrs),
    getAttribute(n) { return n in this.attrs ? this.attrs[n] : null; },
    setAttribute(n, v) { this.attrs[n] = String(v); },
    hasAttribute(n) { return n in this.attrs; },
    classList: {
      add: (c) => classes.add(c), remove: (c) => classes.delete(c), contains: (c) => classes.has(c),
      toggle: (c, on) => (on ? classes.add(c) : classes.delete(c)),
    },
    classes: classes, nextElementSibling: null,
  }, extra || {});
}
function jsonBlock(id, value) {
  blocks[id] = makeEl({ id: id }, { tagName: "SCRIPT", type: "application/json", textContent: JSON.stringify(value) });
}

const plots = [];
function uPlot(opts, data, el) {
  this.opts = opts; this.data = data; this.el = el;
  this.canvas = makeEl({}); this.legend = makeEl({});
  this.root = { querySelector: (s) => (s === "canvas" ? this.canvas : s === ".u-legend" ? this.legend : null) };
  plots.push(this);
}
uPlot.prototype.setData = function (d) { this.data = d; };
uPlot.prototype.setSize = function () {};
uPlot.prototype.destroy = function () { this.destroyed = true; };
uPlot.paths = { bars: () => "bars" };
uPlot.tzDate = (d) => d;

const charts = [];
const echarts = { init(el, theme, opts) {
  const c = { el, opts, setOption(o) { this.option = o; }, resize() {}, dispose() { this.disposed = true; } };
  charts.push(c);
  return c;
} };

const sources = [];
function EventSource(url) { this.url = url; this.l = {}; this.closed = false; sources.push(this); }
EventSource.prototype.addEventListener = function (t, fn) { (this.l[t] = this.l[t] || []).push(fn); };
EventSource.prototype.emit = function (t, data) { (this.l[t] || []).forEach((fn) => fn({ data: data })); };
EventSource.prototype.close = function () { this.closed = true; };

const T0 = 1718020800; // 2024-06-10 12:00 UTC, 14:00 in Madrid
const point = (i, count) => ({ t: T0 + 60 * i, count, negative: 1, expected: 30, lower: 20, upper: 40 });
jsonBlock("vol", { label: "Mentions per minute", points: [point(0, 5), point(1, 6), point(2, 7)] });
jsonBlock("bar", { label: "Share of voice", categories: ["Acme", "Rival"],
  series: [{ name: "Negative", key: "negative", values: [3, 4] }, { name: "Positive", values: [1, 2] }],
  stacked: true, horizontal: true });
jsonBlock("donut", { label: "Sentiment split", items: [{ name: "Negative", value: 3, key: "negative" }] });
blocks.tbl = makeEl({}, { classes: [] });
blocks.tbl2 = makeEl({}, { classes: ["sr-only"] });

const vol = makeEl({ "data-chart": "live-volume", "data-source": "vol", "data-url": "/w/acme/volume/stream",
  "data-window": "3", "data-fallback": "tbl" });
const bar = makeEl({ "data-chart": "bar", "data-source": "bar" });
const donut = makeEl({ "data-chart": "donut", "data-source": "donut" });
const broken = makeEl({ "data-chart": "bar", "data-source": "missing", "data-fallback": "tbl2" });
const docEls = [vol, bar, donut, broken];

const documentElement = makeEl({ lang: "es", "data-tz": "Europe/Madrid" }, { lang: "es" });
const sandbox = {
  console: { warn() {}, error() {}, log: console.log },
  uPlot, echarts, EventSource, URL,
  location: { origin: "https://baliza.test" },
  matchMedia: (q) => ({ matches: q === "(prefers-reduced-motion: reduce)" }),
  document: {
    readyState: "complete", nodeType: 9, baseURI: "https://baliza.test/w/acme", documentElement,
    addEventListener(t, fn) { (listeners[t] = listeners[t] || []).push(fn); },
    querySelector(s) { return s === 'meta[name="csrf-token"]' && csrfToken ? makeEl({ content: csrfToken }) : null; },
    querySelectorAll() { return docEls; },
    getElementById(id) { return blocks[id] || null; },
  },
};
sandbox.window = sandbox;
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(process.env.CHARTS_JS, "utf8"), sandbox);
const fire = (type, ev) => (listeners[type] || []).forEach((fn) => fn(ev));

out.api = Object.keys(sandbox.Baliza).sort();

const headers = (path) => { const h = {}; fire("htmx:configRequest", { detail: { path, headers: h } }); return h; };
out.csrfSameOrigin = headers("/w/acme/ack");
out.csrfOtherOrigin = headers("https://elsewhere.example/steal");
csrfToken = null;
out.csrfNoMeta = headers("/w/acme/ack");

const plot = plots[0];
const src = sources[0];
out.sourceUrl = src.url;
out.canvas = Object.assign({}, plot.canvas.attrs);
out.legendHidden = plot.legend.attrs["aria-hidden"];
out.fallbackHidden = blocks.tbl.classList.contains("sr-only");
out.initialT = plot.data[0].map((t) => t - T0);
src.emit("minute", JSON.stringify(point(2, 9)));
out.afterReplace = { t: plot.data[0].map((t) => t - T0), count: plot.data[3].slice() };
src.emit("minute", JSON.stringify(Object.assign(point(3, 11), { t: new Date((T0 + 180) * 1000).toISOString() })));
out.afterAppend = { t: plot.data[0].map((t) => t - T0), count: plot.data[3].slice() };
src.emit("minute", "not json");
out.afterBad = plot.data[0].length;
src.emit("summary", JSON.stringify({ label: "Spike: 11 mentions" }));
out.labelAfterSummary = plot.canvas.attrs["aria-label"];
src.l.error[0]({});
out.staleOnError = vol.classList.contains("is-stale");
src.l.open[0]({});
out.staleOnOpen = vol.classList.contains("is-stale");
out.axis = plot.opts.axes[0].values(plot, [T0, T0 + 3600], 0, 50, 3600);
out.expectedValue = plot.opts.series[5].value(plot, 30, 5, 0);
out.seriesLabels = plot.opts.series.map((s) => s.label || null);
out.bands = plot.opts.bands;

const barChart = charts.find((c) => c.el === bar);
out.bar = { role: bar.attrs.role, option: JSON.parse(JSON.stringify(barChart.option)) };
const donutChart = charts.find((c) => c.el === donut);
out.donutTooltip = donutChart.option.tooltip.formatter({ name: "<b>Rival</b>", value: 3, percent: 50 });
out.donutColour = donutChart.option.series[0].data[0].itemStyle.color;
out.broken = {
  unavailable: broken.classList.contains("chart-unavailable"),
  fallbackShown: !blocks.tbl2.classList.contains("sr-only"),
};

fire("htmx:beforeCleanupElement", { target: vol });
out.closed = { source: src.closed, plot: !!plot.destroyed };
fire("htmx:load", { target: Object.assign(makeEl({}), { querySelectorAll: () => [vol] }) });
out.reinitialised = plots.length === 2 && sources.length === 2;
console.log(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def run() -> dict[str, Any]:
    result = subprocess.run(
        [node(), "-"],
        input=HARNESS,
        capture_output=True,
        text=True,
        timeout=60,
        env={"CHARTS_JS": str(CHARTS_JS), "PATH": ""},
    )
    assert result.returncode == 0, result.stderr
    observed: dict[str, Any] = json.loads(result.stdout)
    return observed


def test_exposes_the_public_api(run: dict[str, Any]) -> None:
    assert run["api"] == ["barChart", "csrf", "destroy", "donut", "init", "liveVolume", "readData", "volumeChart"]


def test_csrf_header_goes_only_to_our_own_origin(run: dict[str, Any]) -> None:
    assert run["csrfSameOrigin"] == {"X-CSRF-Token": "tok123"}
    assert run["csrfOtherOrigin"] == {}
    assert run["csrfNoMeta"] == {}


def test_volume_chart_is_an_accessible_image(run: dict[str, Any]) -> None:
    assert run["canvas"] == {"role": "img", "aria-label": "Mentions per minute"}
    assert run["legendHidden"] == "true"
    assert run["fallbackHidden"] is True
    assert run["seriesLabels"][3:] == ["Mentions", "Negative", "Expected"]
    assert run["bands"] == [{"series": [1, 2], "fill": "rgba(79,89,100,0.14)"}]


def test_live_volume_replaces_the_current_minute_and_keeps_the_window(run: dict[str, Any]) -> None:
    assert run["sourceUrl"] == "/w/acme/volume/stream"
    assert run["initialT"] == [0, 60, 120]
    assert run["afterReplace"] == {"t": [0, 60, 120], "count": [5, 6, 9]}
    # data-window="3": the ISO-dated minute 3 arrives and minute 0 falls out.
    assert run["afterAppend"] == {"t": [60, 120, 180], "count": [6, 9, 11]}
    assert run["afterBad"] == 3
    assert run["labelAfterSummary"] == "Spike: 11 mentions"
    assert (run["staleOnError"], run["staleOnOpen"]) == (True, False)


def test_volume_axis_uses_page_locale_and_time_zone(run: dict[str, Any]) -> None:
    first, second = run["axis"]
    assert first.startswith("14:00\n10 jun"), first
    assert second == "15:00"
    assert run["expectedValue"] == "30 (20–40)"


def test_bar_chart_options(run: dict[str, Any]) -> None:
    option = run["bar"]["option"]
    assert run["bar"]["role"] == "img"
    assert option["aria"] == {"enabled": True, "label": {"description": "Share of voice"}, "decal": {"show": False}}
    assert option["animation"] is False  # the stub reports prefers-reduced-motion: reduce
    assert option["yAxis"]["data"] == ["Acme", "Rival"]
    assert [s["stack"] for s in option["series"]] == ["total", "total"]
    assert option["series"][0]["itemStyle"]["color"] == "#b3261e"


def test_donut_escapes_names_in_its_html_tooltip(run: dict[str, Any]) -> None:
    assert run["donutTooltip"].startswith("&lt;b&gt;Rival&lt;/b&gt;: 3 (50")
    assert run["donutColour"] == "#b3261e"


def test_a_chart_that_cannot_draw_shows_its_table(run: dict[str, Any]) -> None:
    assert run["broken"] == {"unavailable": True, "fallbackShown": True}


def test_htmx_cleanup_closes_the_stream_and_a_swap_back_reinitialises(run: dict[str, Any]) -> None:
    assert run["closed"] == {"source": True, "plot": True}
    assert run["reinitialised"] is True
