// The replay view: a hand-made trace through Flink's and Spark's rules, side by side, animated over
// processing time. Each lane plots records at (arrival, event time), the windows as bands that turn
// green when they fire, late records in red, the watermark when the output carries it, and Spark's
// micro-batches. What is drawn is `streamlab replay`'s output, from the server.
"use strict";

(function () {
  var t = SL.t, el = SL.el;
  var CONTROLS = [
    { key: "window", value: "tumbling:10s", kk: "Терезе (window)", en: "Window" },
    { key: "watermark_delay", value: "5s", kk: "Рұқсат етілген ретсіздік", en: "Watermark delay" },
    { key: "watermark_interval", value: "200ms", kk: "Су белгісінің аралығы (Flink)", en: "Watermark interval (Flink)" },
    { key: "allowed_lateness", value: "0s", kk: "Кешіккен жазбаларды күту мерзімі (Flink)", en: "Allowed lateness (Flink)" },
    { key: "trigger", value: "5s", kk: "Триггер (Spark)", en: "Trigger (Spark)" },
    { key: "output_mode", value: "append", options: ["append", "update", "complete"], kk: "Шығару режимі (Spark)", en: "Output mode (Spark)" },
  ];
  var L = {
    about: {
      kk: "Қолдан жасалған із (arrival_ms,event_ms,key,value) Flink пен Spark ережелері арқылы өтеді. Нүкте — жазба (x: келген уақыты, y: оқиға уақыты); жолақ — терезе, ол іске қосылғанда жасылға боялады; қызыл — кешіккен жазба; сарғылт сызық — әр нәтиже көрген су белгісі; күлгін — Spark микроблоктары, «−N» — микроблок тастаған жолдар.",
      en: "A hand-made trace (arrival_ms,event_ms,key,value) goes through Flink's and Spark's rules. A dot is a record (x: when it arrived, y: its event time); a band is a window, green once it fires; red marks a late record; the orange line is the watermark each output saw; violet lines are Spark's micro-batches, «−N» the rows a batch dropped.",
    },
    trace: { kk: "Із (CSV):", en: "Trace (CSV):" },
    run: { kk: "Іске қосу", en: "Replay" },
    processing: { kk: "өңдеу уақыты", en: "processing time" },
    event: { kk: "оқиға уақыты", en: "event time" },
  };
  SL.header("streamlab · replay");
  document.getElementById("about").textContent = t(L.about);
  document.getElementById("trace-label").textContent = t(L.trace);
  document.getElementById("run").textContent = t(L.run);

  var form = document.getElementById("controls");
  var fs = document.createElement("fieldset");
  form.appendChild(fs);
  var inputs = {};
  CONTROLS.forEach(function (c) {
    var made = SL.control(c), label = made[0], input = made[1];
    input.value = SL.params.get(c.key) || c.value;
    fs.appendChild(label);
    inputs[c.key] = input;
  });
  var traceBox = document.getElementById("trace");
  var defaultTrace = "";

  var data = null, playhead = 0, end = 1, timer = null;
  var slider = document.getElementById("time");
  slider.setAttribute("aria-label", t({ kk: "Модельдік уақыт", en: "Simulated time" }));
  document.getElementById("play").setAttribute("aria-label", t({ kk: "Ойнату", en: "Play" }));

  function parseCsv(text) {
    var lines = text.trim().split("\n");
    var head = lines.shift().split(",");
    return lines.map(function (l) {
      var f = l.split(","), row = {};
      head.forEach(function (h, i) {
        var numeric = /_ms$|^count$|^sum$|^batch$/.test(h);
        row[h] = numeric ? (f[i] === undefined || f[i] === "" ? NaN : Number(f[i])) : f[i];
      });
      return row;
    });
  }

  function settingsQuery() {
    var q = new URLSearchParams();
    q.set("engine", "both");
    Object.keys(inputs).forEach(function (k) { q.set(k, inputs[k].value.trim()); });
    return q;
  }

  var showError = SL.showError;

  function run() {
    showError("");
    var q = settingsQuery();
    var page = new URLSearchParams(q);
    page.delete("engine");
    page.set("lang", SL.lang);
    // A trace of its own rides in the address, when short enough for one (browsers and servers refuse
    // addresses of tens of kilobytes).
    var own = traceBox.value.trim();
    if (own !== defaultTrace.trim() && own.length <= 4000) page.set("trace", own);
    window.history.replaceState(null, "", window.location.pathname + "?" + page.toString());
    document.getElementById("command").textContent = "streamlab replay --engine both " +
      CONTROLS.map(function (c) { return "--" + c.key.replace(/_/g, "-") + " " + inputs[c.key].value.trim(); }).join(" ") +
      " trace.csv";
    return SL.fetchText("/api/replay?" + q.toString(), { method: "POST", body: traceBox.value })
      .then(function (csv) {
        var records = parseCsv(traceBox.value);
        var out = parseCsv(csv);
        end = Math.max.apply(null, [1].concat(records.map(function (r) { return r.arrival_ms; }),
          out.map(function (o) { return o.emit_ms; }))) + 4000;
        data = { records: records, out: out };
        playhead = SL.params.get("at_ms") !== null ? Math.min(end, +SL.params.get("at_ms")) : 0;
        draw();
        play();
      })
      .catch(function (e) {
        // Refused: the last replay's animation would pass for this one's.
        clearTimeout(timer);
        data = null;
        ["flink", "spark"].forEach(function (engine) { SL.clear(document.getElementById("lane-" + engine)); });
        showError(e.message);
      });
  }

  function lane(engine) {
    var svg = document.getElementById("lane-" + engine);
    SL.clear(svg);
    var rows = data.out.filter(function (o) { return o.engine === engine; });
    var windows = rows.filter(function (o) { return o.kind === "window"; });
    var late = rows.filter(function (o) { return o.kind === "late"; });
    // Spark reports a count of dropped rows per batch; `dropped-row` names each (record, window).
    var dropped = rows.filter(function (o) { return o.kind === "dropped"; });
    var droppedRows = rows.filter(function (o) { return o.kind === "dropped-row"; });
    var evs = data.records.map(function (r) { return r.event_ms; });
    windows.forEach(function (w) { evs.push(w.window_start_ms, w.window_end_ms); });
    var yMin = Math.min.apply(null, evs), yMax = Math.max.apply(null, evs);
    var x0 = 46, x1 = 430, y0 = 360, y1 = 26;
    var sx = function (ms) { return x0 + (x1 - x0) * ms / end; };
    var sy = function (ms) { return y0 - (y0 - y1) * (ms - yMin) / Math.max(1, yMax - yMin); };
    // Axes.
    el("line", { x1: x0, x2: x1, y1: y0, y2: y0, class: "grid" }, svg);
    el("line", { x1: x0, x2: x0, y1: y0, y2: y1, class: "grid" }, svg);
    for (var s = 0; s * 1000 <= end; s += 5) {
      el("text", { x: sx(s * 1000), y: y0 + 13, class: "tick", "text-anchor": "middle" }, svg, s + " " + t("s"));
    }
    el("text", { x: x1, y: y0 + 28, class: "tick", "text-anchor": "end" }, svg, t(L.processing) + " →");
    el("text", { x: 4, y: 12, class: "tick" }, svg, "↑ " + t(L.event));
    // Windows: one band per window, whichever keys it holds; green once its first result is out.
    var seen = {};
    windows.forEach(function (w) {
      var id = w.window_start_ms + ":" + w.window_end_ms;
      if (seen[id]) return;
      seen[id] = true;
      var fired = windows.filter(function (o) {
        return o.window_start_ms === w.window_start_ms && o.window_end_ms === w.window_end_ms && o.emit_ms <= playhead;
      });
      el("rect", { x: x0, width: x1 - x0, y: sy(w.window_end_ms), height: sy(w.window_start_ms) - sy(w.window_end_ms),
        class: "window" + (fired.length ? " fired" : "") }, svg);
      el("text", { x: x0 + 3, y: sy(w.window_end_ms) + 11, class: "tick" }, svg,
        "[" + w.window_start_ms / 1000 + " s, " + w.window_end_ms / 1000 + " s)");
    });
    // Spark's micro-batches: a line where each batch's results came out.
    if (engine === "spark") {
      var batchTimes = {};
      rows.forEach(function (o) { if (o.emit_ms <= playhead) batchTimes[o.emit_ms] = o.batch; });
      var lastLabelX = -Infinity;
      Object.keys(batchTimes).map(Number).sort(function (a, b) { return a - b; }).forEach(function (ms) {
        el("line", { x1: sx(ms), x2: sx(ms), y1: y0, y2: y1, class: "batch" }, svg);
        if (!isNaN(batchTimes[ms]) && sx(ms) - lastLabelX > 24) {
          el("text", { x: sx(ms) + 2, y: y0 - 4, class: "tick" }, svg, "#" + batchTimes[ms]);
          lastLabelX = sx(ms);
        }
      });
    }
    // The watermark as each output saw it (column `watermark_ms`; the end of input sends it to +inf).
    var wm = rows.filter(function (o) { return !isNaN(o.watermark_ms) && o.emit_ms <= playhead; });
    if (wm.length) {
      var dAttr = "M" + sx(0) + " " + sy(yMin);
      wm.forEach(function (o) {
        var y = sy(Math.min(yMax, Math.max(yMin, o.watermark_ms)));
        dAttr += " H" + sx(o.emit_ms).toFixed(1) + " V" + y.toFixed(1);
      });
      el("path", { d: dAttr + " H" + sx(playhead).toFixed(1), class: "watermark" }, svg);
    }
    dropped.forEach(function (o) {
      if (o.emit_ms > playhead) return;
      el("text", { x: sx(o.emit_ms) + 2, y: y1 + 10, class: "fault-label" }, svg, "−" + o.count);
    });
    // Which record each dropped row was: the latest of that key and window to arrive before the batch.
    var droppedAt = {};
    droppedRows.forEach(function (o) {
      if (o.emit_ms > playhead) return;
      var match = null;
      data.records.forEach(function (r, i) {
        if (r.key === o.key && r.event_ms >= o.window_start_ms && r.event_ms < o.window_end_ms &&
            r.arrival_ms <= o.emit_ms && !droppedAt[i]) match = i;
      });
      if (match !== null) droppedAt[match] = true;
    });
    // Records, red when this engine dropped them as late.
    data.records.forEach(function (r, i) {
      if (r.arrival_ms > playhead) return;
      var isLate = droppedAt[i] || late.some(function (o) {
        return o.emit_ms === r.arrival_ms && o.key === r.key && r.event_ms >= o.window_start_ms && r.event_ms < o.window_end_ms;
      });
      el("circle", { cx: sx(r.arrival_ms), cy: sy(r.event_ms), r: isLate ? 5 : 3.5, class: "record" + (isLate ? " late" : "") }, svg);
      if (isLate) el("text", { x: sx(r.arrival_ms) + 6, y: sy(r.event_ms) + 4, class: "fault-label" }, svg, t({ kk: "кешікті ", en: "late " }) + r.key);
    });
    // Results where they came out: key=count at the window's height.
    var stack = {};
    windows.forEach(function (w) {
      if (w.emit_ms > playhead) return;
      var id = w.window_start_ms + ":" + w.emit_ms;
      var k = stack[id] = (stack[id] || 0) + 1;
      el("text", { x: sx(w.emit_ms) + 2, y: sy(w.window_end_ms) + 12 + k * 11, class: "emit" }, svg, w.key + "=" + w.count);
    });
    el("line", { x1: sx(playhead), x2: sx(playhead), y1: y0, y2: y1, class: "playhead" }, svg);
    svg.setAttribute("data-fired", windows.filter(function (w) { return w.emit_ms <= playhead; }).length);
    svg.setAttribute("data-late", late.filter(function (o) { return o.emit_ms <= playhead; }).length +
      Object.keys(droppedAt).length);
  }

  function draw() {
    if (!data) return;
    slider.max = end;
    slider.value = playhead;
    document.getElementById("clock").textContent = (playhead / 1000).toFixed(1) + " " + t("s");
    lane("flink");
    lane("spark");
  }

  function play() {
    clearTimeout(timer);
    (function step() {
      if (playhead >= end) { document.documentElement.setAttribute("data-replayed", "1"); return; }
      playhead = Math.min(end, playhead + 200);
      draw();
      timer = setTimeout(step, 40);
    })();
  }

  slider.addEventListener("input", function () { clearTimeout(timer); playhead = +slider.value; draw(); });
  document.getElementById("play").addEventListener("click", function () { if (playhead >= end) playhead = 0; play(); });
  document.getElementById("run").addEventListener("click", run);

  SL.fetchText("/assets/trace.csv").then(function (text) {
    defaultTrace = text;
    traceBox.value = SL.params.get("trace") || text;
    run();
  }, function (e) { SL.showError(e.message); });
})();
