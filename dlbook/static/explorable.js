// The grid explorable's chart: reads the runs from its JSON script tag and draws the selected run as SVG.
(function () {
  "use strict";
  const root = document.getElementById("{{uid}}");
  if (!root || root.dataset.ready) return;          // the script may run twice (e.g. a re-rendered output)
  root.dataset.ready = "1";
  const DATA = JSON.parse(document.getElementById("{{uid}}-data").textContent);
  const runs = {};                                   // "i,j,k" (one value index per axis) -> run
  DATA.runs.forEach(function (run) { runs[run.key] = run; });
  const controls = DATA.axes.map(function (_, i) { return document.getElementById("{{uid}}-ctl-" + i); });
  const BLUE = "#1f77b4", RED = "#c62828", GREY = "#8a8a8a";
  const W = 410, H = 240, M = {left: 52, right: 12, top: 26, bottom: 36};

  // ---- small helpers ----------------------------------------------------------------------------
  function esc(text) {
    return String(text).replace(/[&<>"]/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c];
    });
  }
  function el(tag, attrs, body) {                    // one SVG element as a string
    let s = "<" + tag;
    Object.keys(attrs).forEach(function (k) { s += " " + k + '="' + attrs[k] + '"'; });
    return s + (body === undefined ? "/>" : ">" + body + "</" + tag + ">");
  }
  function num(v) {
    if (v === null) return "n/a";
    return Math.abs(v) >= 1e4 ? v.toExponential(2) : v.toPrecision(4);
  }
  function pct(v) { return v === null ? "n/a" : (100 * v).toFixed(1) + "%"; }
  function last(values) { return values && values.length ? values[values.length - 1] : null; }

  // ---- scales (value -> pixel) and tick positions -----------------------------------------------
  function scaleX(xmax) {
    const a = M.left, b = W - M.right;
    return function (x) { return xmax <= 1 ? (a + b) / 2 : a + (b - a) * (x - 1) / (xmax - 1); };
  }
  function scaleY(lo, hi, log) {
    const a = H - M.bottom, b = M.top;
    const f = log ? Math.log10 : function (v) { return v; };
    return function (v) {                            // values outside [lo, hi] are clipped to the frame
      const t = (f(Math.min(Math.max(v, lo), hi)) - f(lo)) / (f(hi) - f(lo));
      return a + (b - a) * t;
    };
  }
  function niceTicks(lo, hi, count) {
    const raw = (hi - lo) / count, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map(function (m) { return m * mag; })
      .find(function (s) { return s >= raw; });
    const ticks = [];
    for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) ticks.push(+t.toPrecision(12));
    return ticks;
  }
  function logTicks(lo, hi) {
    let ticks = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      [1, 2, 5].forEach(function (m) {
        const t = m * Math.pow(10, e);
        if (t >= lo && t <= hi) ticks.push(t);
      });
    }
    if (ticks.length > 7) ticks = ticks.filter(function (t) { return Math.abs(Math.log10(t) % 1) < 1e-9; });
    return ticks;
  }
  function tickLabel(t, spec) {
    if (spec.percent) return Math.round(100 * t) + "%";
    if (spec.log && (t >= 1e4 || t < 1e-3)) return t.toExponential(0);
    return String(+t.toPrecision(3));
  }

  // ---- one chart as an SVG string ---------------------------------------------------------------
  function pathData(epochs, values, sx, sy) {       // a gap wherever a value is null (NaN or inf)
    let d = "", pen = false;
    values.forEach(function (v, i) {
      if (v === null) { pen = false; return; }
      d += (pen ? "L" : "M") + sx(epochs[i]).toFixed(1) + " " + sy(v).toFixed(1);
      pen = true;
    });
    return d;
  }
  function chart(spec) {
    const sx = scaleX(DATA.epochs), sy = scaleY(spec.lo, spec.hi, spec.log);
    const label = {"font-size": 11, fill: "currentColor", "fill-opacity": 0.75};
    const parts = [el("text", {x: M.left, y: 14, "font-size": 13, "font-weight": 600, fill: "currentColor"},
                      esc(spec.title))];
    (spec.log ? logTicks(spec.lo, spec.hi) : niceTicks(spec.lo, spec.hi, 5)).forEach(function (t) {
      const y = sy(t).toFixed(1);
      parts.push(el("line", {x1: M.left, x2: W - M.right, y1: y, y2: y, stroke: "currentColor",
                             "stroke-opacity": 0.12}));
      parts.push(el("text", Object.assign({x: M.left - 6, y: y, dy: "0.32em", "text-anchor": "end"}, label),
                    tickLabel(t, spec)));
    });
    niceTicks(1, DATA.epochs, Math.min(6, Math.max(1, DATA.epochs - 1))).forEach(function (t) {
      if (t < 1 || t !== Math.round(t)) return;
      const at = {x: sx(t).toFixed(1), y: H - M.bottom + 15, "text-anchor": "middle"};
      parts.push(el("text", Object.assign(at, label), t));
    });
    parts.push(el("text", Object.assign({x: (M.left + W - M.right) / 2, y: H - 4, "text-anchor": "middle"},
                                        label), "epoch"));
    parts.push(el("rect", {x: M.left, y: M.top, width: W - M.left - M.right, height: H - M.top - M.bottom,
                           fill: "none", stroke: "currentColor", "stroke-opacity": 0.35}));
    spec.background.forEach(function (other) {       // every other run, faintly, for context
      parts.push(el("path", {d: pathData(other.epoch, other.values, sx, sy), fill: "none", stroke: GREY,
                             "stroke-opacity": 0.3, "stroke-width": 1}));
    });
    spec.curves.forEach(function (c) {               // the selected run: train solid, val dashed
      const attrs = {"class": c.cls, d: pathData(c.epoch, c.values, sx, sy), fill: "none", stroke: spec.color,
                     "stroke-width": 2.2};
      if (c.dashed) attrs["stroke-dasharray"] = "6 4";
      parts.push(el("path", attrs));
    });
    if (spec.cross) {                                // a diverged run ends with a red ×
      const x = sx(spec.cross.epoch), y = sy(spec.cross.value), r = 6;
      parts.push(el("path", {"class": "diverged-mark", stroke: RED, "stroke-width": 3,
                             d: "M" + (x - r) + " " + (y - r) + "L" + (x + r) + " " + (y + r) +
                                "M" + (x - r) + " " + (y + r) + "L" + (x + r) + " " + (y - r)}));
    }
    const lx = W - M.right - 150, ly = 10;          // legend, top right
    [["train", spec.color, null, 1], ["val", spec.color, "6 4", 1], ["others", GREY, null, 0.5]]
      .forEach(function (item, i) {
        const x = lx + 52 * i, line = {x1: x, x2: x + 18, y1: ly, y2: ly, stroke: item[1], "stroke-width": 2,
                                       "stroke-opacity": item[3]};
        if (item[2]) line["stroke-dasharray"] = item[2];
        parts.push(el("line", line) + el("text", {x: x + 22, y: ly, dy: "0.32em", "font-size": 11,
                                                  fill: "currentColor"}, item[0]));
      });
    return el("svg", {xmlns: "http://www.w3.org/2000/svg", width: W, height: H, viewBox: "0 0 " + W + " " + H,
                      role: "img", "aria-label": esc(spec.title)}, parts.join(""));
  }

  // ---- the selected run -------------------------------------------------------------------------
  function panel(run, metric, title, range, log) {
    const train = run["train_" + metric], val = run["val_" + metric];
    const spec = {title: title, lo: range[0], hi: range[1], log: log, percent: metric === "acc",
                  color: run.stopped === "diverged" ? RED : BLUE, background: [], cross: null,
                  curves: [{cls: "train-" + metric, epoch: run.epoch, values: train, dashed: false},
                           {cls: "val-" + metric, epoch: run.epoch, values: val, dashed: true}]};
    DATA.runs.forEach(function (other) {
      if (other !== run && other["val_" + metric]) {
        spec.background.push({epoch: other.epoch, values: other["val_" + metric]});
      }
    });
    if (run.stopped === "diverged") {                // mark the last epoch; inf/nan is drawn at the top
      const end = last(train);
      spec.cross = {epoch: last(run.epoch), value: end === null ? range[1] : end};
    }
    return chart(spec);
  }
  function describe(run) {
    const index = run.key.split(",");
    const settings = DATA.axes.map(function (a, i) { return esc(a.name) + " = " + esc(a.labels[+index[i]]); });
    let text = "<b>" + settings.join(", ") + "</b> · " + run.epoch.length + " epochs · final train loss " +
      num(last(run.train_loss)) + " · val loss " + num(last(run.val_loss));
    if (run.val_acc) {
      text += " · train acc " + pct(last(run.train_acc)) + " · val acc " + pct(last(run.val_acc));
    }
    if (run.stopped === "diverged") text += '<div class="dlx-diverged">' + esc(run.message) + "</div>";
    else if (run.stopped) text += '<div class="dlx-muted">' + esc(run.message) + "</div>";
    return text;
  }
  function update() {
    controls.forEach(function (c, i) {
      const out = document.getElementById("{{uid}}-out-" + i);
      if (out) out.textContent = DATA.axes[i].labels[+c.value];
    });
    const key = controls.map(function (c) { return c.value; }).join(",");   // value = index into the axis
    const run = runs[key], charts = document.getElementById("{{uid}}-charts");
    if (!run) { charts.textContent = "no run for this combination"; return; }
    charts.innerHTML = panel(run, "loss", "loss (log scale)", DATA.loss_range, true) +
      (DATA.acc_range && run.val_acc ? panel(run, "acc", "accuracy", DATA.acc_range, false) : "");
    document.getElementById("{{uid}}-info").innerHTML = describe(run);
  }
  controls.forEach(function (c) {
    c.addEventListener("input", update);
    c.addEventListener("change", update);
  });
  update();
})();
