// A live lab: controls that change a built-in scenario, a prediction, and the run drawn frame by frame
// from the server's progress events (the ledger, the cluster, the lag, the delivery rate).
"use strict";

(function () {
  var cfg = window.LAB, t = SL.t, el = SL.el, d = cfg.defaults;
  var hasWindow = d.window_ms !== null && (cfg.flink || cfg.spark);
  var brokers = [], members = [];
  for (var i = 0; i < cfg.brokers; i++) brokers.push(String(i));
  for (var j = 0; j < Math.max(d.consumers, 1); j++) members.push(String(j));

  // Every control: its query parameter (see src/serve/params.rs), its group and its labels.
  var CONTROLS = [
    { g: "kafka", key: "partitions", min: 1, kk: "Партициялар (partitions)", en: "Partitions" },
    { g: "kafka", key: "producers", min: 1, kk: "Producer саны", en: "Producers" },
    { g: "kafka", key: "acks", options: ["0", "1", "all"], kk: "acks (растау)", en: "acks" },
    { g: "kafka", key: "min_insync", min: 1, kk: "min.insync.replicas", en: "min.insync.replicas" },
    { g: "kafka", key: "linger_ms", min: 0, kk: "linger.ms", en: "linger.ms" },
    { g: "kafka", key: "consumers", min: 1, kk: "Тұтынушылар (consumers)", en: "Consumers" },
    { g: "engines", key: "window_ms", min: 1, show: hasWindow, kk: "Терезе, мс (window)", en: "Window, ms" },
    { g: "engines", key: "watermark_delay_ms", min: 0, show: cfg.flink || cfg.spark,
      kk: "Рұқсат етілген ретсіздік, мс (watermark)", en: "Watermark delay, ms" },
    { g: "engines", key: "allowed_lateness_ms", min: 0, show: cfg.flink,
      kk: "Кешіккен жазбаларды күту мерзімі, мс (Flink)", en: "Allowed lateness, ms (Flink)" },
    { g: "engines", key: "checkpoint_ms", min: 0, show: cfg.flink,
      kk: "Бақылау нүктесінің аралығы, мс (Flink)", en: "Checkpoint interval, ms (Flink)" },
    { g: "engines", key: "trigger_ms", min: 0, show: cfg.spark,
      kk: "Триггер аралығы, мс (Spark)", en: "Trigger interval, ms (Spark)" },
    { g: "faults", key: "crash_broker", options: brokers, kk: "Істен шығатын брокер", en: "Broker to crash" },
    { g: "faults", key: "crash_broker_at_ms", min: 0, blank: true,
      kk: "Брокердің істен шығу уақыты, мс (бос = істен шықпайды)", en: "Broker crash at, ms (empty = no crash)" },
    { g: "faults", key: "crash_consumer", options: members, kk: "Істен шығатын тұтынушы", en: "Consumer to crash" },
    { g: "faults", key: "crash_consumer_at_ms", min: 0, blank: true,
      kk: "Тұтынушының істен шығу уақыты, мс (бос = істен шықпайды)", en: "Consumer crash at, ms (empty = no crash)" },
    { g: "run", key: "seed", min: 0, kk: "seed", en: "Seed" },
    { g: "run", key: "duration_ms", min: 1, kk: "Ұзақтығы, мс", en: "Duration, ms" },
  ];
  var GROUPS = {
    kafka: { kk: "Kafka", en: "Kafka" },
    engines: { kk: "Ағындық өңдеу (Flink, Spark)", en: "Stream engines (Flink, Spark)" },
    faults: { kk: "Ақаулар", en: "Faults" },
    run: { kk: "Іске қосу", en: "Run" },
  };
  var L = {
    run: { kk: "Іске қосу", en: "Run" },
    download: { kk: "Сценарийді жүктеу (TOML)", en: "Download the scenario (TOML)" },
    prediction: { kk: "Сіздің болжамыңыз (іске қоспас бұрын):", en: "Your prediction (before you run):" },
    ledger: { kk: "Жазбалар есебі (ledger)", en: "The ledger: what became of every record" },
    cluster: { kk: "Кластер: брокерлер, партициялар, лидерлер, ISR, тұтынушылар", en: "The cluster: brokers, partitions, leaders, ISR, consumers" },
    lag: { kk: "Артта қалу, жазба: жоғары су белгісі − бекітілген ығысу (offset)", en: "Consumer lag, records: high watermark − committed offset" },
    rate: { kk: "Жылдамдық, жазба/с: расталды және жеткізілді", en: "Rate, records/s: acknowledged and delivered" },
    produced: { kk: "жіберілді", en: "produced" },
    acknowledged: { kk: "расталды", en: "acknowledged" },
    delivered: { kk: "жеткізілді", en: "delivered" },
    pending: { kk: "расталды, әлі жеткізілмеді", en: "acknowledged, not yet delivered" },
    lost: { kk: "жоғалды (расталды, жеткізілмеді)", en: "lost (acknowledged, never delivered)" },
    duplicated: { kk: "қайталанды", en: "duplicated" },
    failed: { kk: "сәтсіз (producer біледі)", en: "failed (the producer knows)" },
    simulated: { kk: "модельдік уақыт", en: "simulated" },
    of: { kk: "producer-лер тоқтайды:", en: "producers stop at" },
    draining: { kk: "жазбалар жасалмайды, тұтынушылар қуып жетуде", en: "producers stopped; consumers catch up" },
    done: { kk: "аяқталды", en: "finished" },
    controller: { kk: "контроллер", en: "controller" },
    broker: { kk: "брокер", en: "broker" },
    crashed: { kk: "істен шықты", en: "crashed" },
    rebalancing: { kk: "қайта теңгерім (rebalance)…", en: "rebalancing…" },
    leader: { kk: "лидер", en: "leader" },
    follower: { kk: "ISR ішінде", en: "in the ISR" },
    outOfSync: { kk: "ISR сыртында", en: "out of the ISR" },
    offline: { kk: "лидері жоқ", en: "no leader" },
    group: { kk: "тұтынушылар тобы", en: "consumer group" },
    crashB: { kk: "брокер {0} істен шығады", en: "broker {0} crashes" },
    crashC: { kk: "тұтынушы {0} істен шығады", en: "consumer {0} crashes" },
    yourPrediction: { kk: "Сіздің болжамыңыз", en: "Your prediction" },
    measured: { kk: "Өлшенгені", en: "Measured" },
    noPrediction: { kk: "(жазылмаған)", en: "(none written)" },
    engine: { kk: "қозғалтқыш", en: "engine" },
    recordsIn: { kk: "кірді", en: "records in" },
    results: { kk: "нәтижелер", en: "results" },
    late: { kk: "кешіккен", en: "late" },
    running: { kk: "модельдеу жүріп жатыр…", en: "simulating…" },
    maxLag: { kk: "ең үлкен артта қалу", en: "max lag" },
    e2e: { kk: "ұштан-ұшқа кешігу p50 / p99, мс", en: "end-to-end p50 / p99 ms" },
    elections: { kk: "лидер сайлауы", en: "leader elections" },
    shrinks: { kk: "ISR қысқаруы", en: "ISR shrinks" },
    rebalances: { kk: "қайта теңгерім", en: "rebalances" },
    spike: { kk: "желі баяулайды", en: "network spike" },
    restartB: { kk: "брокер {0} қайта қосылады", en: "broker {0} restarts" },
    restartC: { kk: "тұтынушы {0} қайта қосылады", en: "consumer {0} restarts" },
    engineFails: { kk: "{0} тапсырмасы істен шығады", en: "{0} task fails" },
  };
  function fmt(label, arg) { return t(label).replace("{0}", arg); }

  // ----- controls ---------------------------------------------------------------------------------
  var form = document.getElementById("controls");
  var inputs = {};
  var groups = {};
  CONTROLS.forEach(function (c) {
    if (c.show === false) return;
    if (!groups[c.g]) {
      var fs = document.createElement("fieldset");
      var lg = document.createElement("legend");
      lg.textContent = t(GROUPS[c.g]);
      fs.appendChild(lg);
      form.appendChild(fs);
      groups[c.g] = fs;
    }
    var made = SL.control(c), label = made[0], input = made[1];
    if (!c.options) {
      input.type = "number";
      input.min = c.min;
    }
    var initial = SL.params.get(c.key);
    var dflt = d[c.key] === undefined || d[c.key] === null ? "" : String(d[c.key]);
    if (c.options && c.options.indexOf(dflt) < 0) dflt = c.options[0] || "";
    input.value = initial !== null ? initial : dflt;
    input.dataset.default = dflt;
    groups[c.g].appendChild(label);
    inputs[c.key] = input;
  });
  var prediction = document.getElementById("prediction");
  prediction.value = SL.params.get("prediction") || "";

  // The scenario's parameters: only what differs from the built-in scenario, so URLs stay short.
  function scenarioQuery() {
    var q = new URLSearchParams();
    Object.keys(inputs).forEach(function (k) {
      var v = inputs[k].value.trim();
      if (v !== "" && v !== inputs[k].dataset.default) q.set(k, v);
    });
    // A crash needs its time; the victim alone changes nothing.
    ["crash_broker", "crash_consumer"].forEach(function (k) {
      if (inputs[k] && inputs[k + "_at_ms"].value.trim() === "") q.delete(k);
      else if (inputs[k]) q.set(k, inputs[k].value);
    });
    return q;
  }
  function seed() { return inputs.seed.value.trim() || String(d.seed); }

  // ----- static labels ----------------------------------------------------------------------------
  SL.header("streamlab · " + cfg.name);
  document.getElementById("about").textContent = t(cfg.description);
  document.getElementById("prediction-label").textContent = t(L.prediction);
  var runButton = document.getElementById("run");
  runButton.textContent = t(L.run);
  document.getElementById("download").textContent = t(L.download);
  document.getElementById("ledger-title").textContent = t(L.ledger);
  document.getElementById("cluster-title").textContent = t(L.cluster);
  document.getElementById("lag-title").textContent = t(L.lag);
  document.getElementById("rate-title").textContent = t(L.rate);

  function syncLinks() {
    var q = scenarioQuery();
    var dl = document.getElementById("download");
    dl.href = "/api/scenario/" + cfg.name + "?" + q.toString();
    dl.setAttribute("download", cfg.name + ".toml");
    document.getElementById("command").textContent = "streamlab run " + cfg.name + ".toml --seed " + seed();
  }
  form.addEventListener("input", syncLinks);
  form.addEventListener("change", syncLinks);
  syncLinks();

  // ----- drawing ----------------------------------------------------------------------------------
  var frames = [], seen = [], faults = [], timer = null, onResult = null, lastResult = null;

  function niceMax(v) {
    if (v <= 0) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var m = [1, 2, 5, 10].find(function (k) { return k * p >= v; });
    return m * p;
  }
  function num(v) { return Math.round(v).toLocaleString("en-US").replace(/,/g, " "); }
  // An axis label: a quarter of a small maximum (2.5) keeps its decimal.
  function axisLabel(v) { return (Math.round(v * 10) / 10).toLocaleString("en-US").replace(/,/g, " "); }

  function drawLedger(l) {
    var svg = document.getElementById("ledger");
    SL.clear(svg);
    var rows = [
      [t(L.produced), l.produced, "#4b6ea8"],
      [t(L.acknowledged), l.acknowledged, "#3b8f5a"],
      [t(L.delivered), l.delivered, "#2d6f45"],
      [t(L.pending), l.unconsumed, "#b9a23a"],
      [t(L.lost), l.lost, "#c0392b"],
      [t(L.duplicated), l.duplicated, "#d98a1c"],
      [t(L.failed), l.failed, "#7f5aa2"],
    ];
    var max = Math.max(1, l.produced);
    rows.forEach(function (r, i) {
      var y = 8 + i * 26;
      el("text", { x: 0, y: y + 13, class: "label" }, svg, r[0]);
      el("rect", { x: 235, y: y, width: 165, height: 18, class: "track" }, svg);
      var w = r[1] > 0 ? Math.max(1.5, 165 * r[1] / max) : 0;
      el("rect", { x: 235, y: y, width: w, height: 18, fill: r[2], "data-row": i }, svg);
      el("text", { x: 406, y: y + 13, class: "value" + (i === 4 && r[1] > 0 ? " bad" : "") }, svg, num(r[1]));
    });
  }

  // A time chart of `series` ([[t_ms, value], ...] per line) with the faults marked.
  function drawChart(id, lines, xMaxMs) {
    var svg = document.getElementById(id);
    SL.clear(svg);
    var x0 = 52, x1 = 450, y0 = 160, y1 = 12;
    var yMax = niceMax(Math.max.apply(null, [1].concat(lines.map(function (l) {
      return Math.max.apply(null, [0].concat(l.points.map(function (p) { return p[1]; })));
    }))));
    var sx = function (ms) { return x0 + (x1 - x0) * ms / xMaxMs; };
    var sy = function (v) { return y0 - (y0 - y1) * v / yMax; };
    for (var k = 0; k <= 4; k++) {
      var v = yMax * k / 4;
      el("line", { x1: x0, x2: x1, y1: sy(v), y2: sy(v), class: "grid" }, svg);
      el("text", { x: x0 - 4, y: sy(v) + 4, class: "tick", "text-anchor": "end" }, svg, axisLabel(v));
    }
    var step = niceMax(xMaxMs / 1000 / 6);
    for (var s = 0; s * 1000 <= xMaxMs; s += step) {
      el("text", { x: sx(s * 1000), y: y0 + 14, class: "tick", "text-anchor": "middle" }, svg, s + " " + t("s"));
    }
    faults.forEach(function (f, i) {
      if (f.at_ms > xMaxMs) return;
      el("line", { x1: sx(f.at_ms), x2: sx(f.at_ms), y1: y1, y2: y0, class: "fault" }, svg);
      el("text", { x: sx(f.at_ms) + 3, y: y1 + 9 + 12 * i, class: "fault-label" }, svg, f.label);
    });
    lines.forEach(function (l) {
      if (!l.points.length) return;
      var dAttr = l.points.map(function (p, i) {
        return (i ? "L" : "M") + sx(p[0]).toFixed(1) + " " + sy(p[1]).toFixed(1);
      }).join(" ");
      el("path", { d: dAttr, class: "line", stroke: l.color, "data-line": l.name }, svg);
    });
    var lx = x0 + 6;
    lines.forEach(function (l) {
      if (!l.name) return;
      el("rect", { x: lx, y: y0 + 20, width: 10, height: 4, fill: l.color }, svg);
      el("text", { x: lx + 14, y: y0 + 25, class: "tick" }, svg, l.name);
      lx += 150;
    });
  }

  function drawCluster(c) {
    var svg = document.getElementById("cluster");
    SL.clear(svg);
    var n = c.brokers.length, w = Math.min(140, 440 / n - 8);
    c.brokers.forEach(function (b, i) {
      var x = 6 + i * (w + 8);
      var g = el("g", { class: "broker" + (b.alive ? "" : " dead"), "data-broker": b.id, "data-alive": b.alive }, svg);
      el("rect", { x: x, y: 4, width: w, height: 150, rx: 6 }, g);
      var title = t(L.broker) + " " + b.id + (c.controller === b.id ? " ★" : "");
      el("text", { x: x + 8, y: 20, class: "name" }, g, title);
      if (!b.alive) el("text", { x: x + 8, y: 34, class: "crashed" }, g, t(L.crashed));
      var row = 0;
      c.partitions.forEach(function (p) {
        if (p.replicas.indexOf(b.id) < 0) return;
        var cls = p.leader === null ? "offline" : p.leader === b.id ? "leader" : p.isr.indexOf(b.id) >= 0 ? "insync" : "outsync";
        if (!b.alive) cls = "gone";
        var col = row % 2, line = Math.floor(row / 2);
        var px = x + 8 + col * (w / 2 - 4), py = 42 + line * 22;
        if (py < 148) {
          el("rect", { x: px, y: py, width: w / 2 - 12, height: 18, rx: 3, class: "replica " + cls }, g);
          el("text", { x: px + 5, y: py + 13, class: "replica-text " + cls }, g, "P" + p.id);
        }
        row++;
      });
    });
    // The group: each member with the partitions it owns.
    var gy = 168;
    el("text", { x: 6, y: gy, class: "name" }, svg, t(L.group) + (c.group.rebalancing ? " — " + t(L.rebalancing) : ""));
    var m = c.group.members.length, mw = m ? Math.min(140, 440 / m - 8) : 0;
    c.group.members.forEach(function (mem, i) {
      var x = 6 + i * (mw + 8);
      var g = el("g", { class: "member" + (mem.alive ? "" : " dead") + (c.group.rebalancing ? " rebalancing" : "") }, svg);
      el("rect", { x: x, y: gy + 8, width: mw, height: 40, rx: 6 }, g);
      el("text", { x: x + 6, y: gy + 23, class: "name" }, g, mem.name + (mem.alive ? "" : " ✕"));
      el("text", { x: x + 6, y: gy + 40, class: "tick" }, g,
        mem.assigned.map(function (p) { return "P" + p; }).join(" ") || "—");
    });
    // The key.
    var ky = 242, kx = 6;
    [["leader", t(L.leader)], ["insync", t(L.follower)], ["outsync", t(L.outOfSync)], ["offline", t(L.offline)]]
      .forEach(function (k) {
        el("rect", { x: kx, y: ky - 9, width: 14, height: 10, rx: 2, class: "replica " + k[0] }, svg);
        el("text", { x: kx + 18, y: ky, class: "tick" }, svg, k[1]);
        kx += 30 + 5.6 * k[1].length;
      });
    el("text", { x: kx, y: ky, class: "tick" }, svg, "★ " + t(L.controller));
  }

  function drawEngines(engines) {
    var table = document.getElementById("engines");
    if (!engines || !engines.length) { table.hidden = true; return; }
    table.hidden = false;
    var head = [t(L.engine), t(L.recordsIn), t(L.results), t(L.late), "p50, " + t("ms"), "p99, " + t("ms")];
    table.innerHTML = "<tr>" + head.map(function (h) { return "<th>" + h + "</th>"; }).join("") + "</tr>" +
      engines.map(function (e) {
        var p50 = e.latency_ms_p50 !== undefined ? e.latency_ms_p50 : e.latency_ms.p50_ms;
        var p99 = e.latency_ms_p99 !== undefined ? e.latency_ms_p99 : e.latency_ms.p99_ms;
        return "<tr><td>" + e.engine + "</td><td>" + num(e.records_in) + "</td><td>" + num(e.results) +
          "</td><td>" + num(e.late_records) + "</td><td>" + p50.toFixed(1) + "</td><td>" + p99.toFixed(1) + "</td></tr>";
      }).join("");
  }

  function xMax(f) { return Math.max(f.duration_ms, f.sim_time_ms); }

  function drawFrame(f) {
    seen.push(f);
    show(seen.length - 1);
  }

  // The run as it was at frame i: the ledger and cluster then, the charts up to then.
  function show(i) {
    var f = seen[i], upTo = seen.slice(0, i + 1);
    var clock = document.getElementById("clock");
    var phase = f.sim_time_ms <= f.duration_ms ? t(L.of) + " " + (f.duration_ms / 1000) + " " + t("s") : t(L.draining);
    clock.textContent = t(L.simulated) + " " + (f.sim_time_ms / 1000).toFixed(2) + " " + t("s") + " · " + phase;
    document.getElementById("progress-bar").style.width = Math.min(100, 100 * f.sim_time_ms / f.duration_ms) + "%";
    drawLedger(f.ledger);
    drawCluster(f.cluster);
    var xm = xMax(seen[seen.length - 1]);
    drawChart("lag", [{ points: upTo.map(function (h) { return [h.sim_time_ms, h.consumer_lag]; }), color: "#c0392b" }], xm);
    var rate = function (field) {
      return upTo.slice(1).map(function (h, k) {
        var prev = upTo[k], dt = (h.sim_time_ms - prev.sim_time_ms) / 1000;
        return [h.sim_time_ms, dt > 0 ? (h.ledger[field] - prev.ledger[field]) / dt : 0];
      });
    };
    drawChart("rate", [
      { points: rate("acknowledged"), color: "#3b8f5a", name: t(L.acknowledged) },
      { points: rate("delivered"), color: "#4b6ea8", name: t(L.delivered) },
    ], xm);
    drawEngines(f.engines);
  }

  // After a run, the slider steps through its frames; its last position is the final result.
  var stepper = document.getElementById("step");
  stepper.title = t({ kk: "Модельдеуді қадамдап қарау", en: "Step through the run" });
  stepper.addEventListener("input", function () {
    var i = +stepper.value;
    var url = new URLSearchParams(window.location.search);
    if (i < seen.length) { show(i); url.set("at_ms", Math.round(seen[i].sim_time_ms)); }
    else { if (lastResult) drawResult(lastResult); url.delete("at_ms"); }
    window.history.replaceState(null, "", window.location.pathname + "?" + url.toString());
  });

  function drawResult(r) {
    lastResult = r;
    stepper.hidden = false;
    stepper.max = seen.length;
    stepper.value = seen.length;
    var last = seen[seen.length - 1];
    if (last) show(seen.length - 1);
    document.getElementById("clock").textContent =
      t(L.simulated) + " " + (r.sim_time_ms / 1000).toFixed(2) + " " + t("s") + " · " + t(L.done);
    document.getElementById("progress-bar").style.width = "100%";
    drawLedger(r.ledger);
    drawEngines(r.engines);
    // The run's own samples (one per bucket), not the frames: the same number for the same seed.
    var maxLag = Math.max.apply(null, [0].concat(r.series.consumer_lag.max.filter(function (v) { return v !== null; })));
    var out = document.getElementById("outcome");
    out.hidden = false;
    var e2e = r.end_to_end_latency_ms;
    var measured = [
      [t(L.lost), num(r.ledger.lost)],
      [t(L.duplicated), num(r.ledger.duplicated)],
      [t(L.maxLag), num(maxLag)],
      [t(L.e2e), e2e.p50_ms.toFixed(2) + " / " + e2e.p99_ms.toFixed(2)],
      [t(L.elections), r.kafka.leader_elections],
      [t(L.shrinks), r.kafka.isr_shrinks],
      [t(L.rebalances), r.kafka.rebalances],
    ];
    out.innerHTML = "";
    var p = document.createElement("p");
    p.innerHTML = "<strong>" + t(L.yourPrediction) + ":</strong> ";
    p.appendChild(document.createTextNode(prediction.value.trim() || t(L.noPrediction)));
    out.appendChild(p);
    var m = document.createElement("p");
    m.innerHTML = "<strong>" + t(L.measured) + ":</strong> " +
      measured.map(function (x) { return x[0] + " <b>" + x[1] + "</b>"; }).join(" · ");
    out.appendChild(m);
    document.documentElement.setAttribute("data-result",
      "elections=" + r.kafka.leader_elections + " max_lag=" + maxLag + " lost=" + r.ledger.lost +
      " delivered=" + r.ledger.delivered + " end_ms=" + Math.round(r.sim_time_ms) + " frames=" + seen.length);
  }

  // Frames are drawn at a steady pace, however fast the server simulates, so that a run can be watched.
  function tick() {
    if (!frames.length) { timer = null; return; }
    var item = frames.shift();
    // Far behind the server: this frame is kept (the charts, the slider and ?at_ms see every frame) but
    // not drawn.
    if (frames.length > 60 && item.frame) {
      seen.push(item.frame);
      item = frames.shift();
    }
    if (item.frame) drawFrame(item.frame);
    else if (item.result) { drawResult(item.result); if (onResult) onResult(); }
    timer = setTimeout(tick, 35);
  }
  function enqueue(item) {
    frames.push(item);
    if (!timer) timer = setTimeout(tick, 0);
  }

  var showError = SL.showError;

  function run() {
    showError("");
    var q = scenarioQuery();
    var page = new URLSearchParams(q);
    page.set("lang", SL.lang);
    if (prediction.value.trim()) page.set("prediction", prediction.value.trim());
    page.set("run", "1");
    window.history.replaceState(null, "", window.location.pathname + "?" + page.toString());
    syncLinks();
    // The scenario's own faults, then the ones chosen here.
    var labels = { broker_crash: L.crashB, broker_restart: L.restartB, consumer_crash: L.crashC,
      consumer_restart: L.restartC, network_spike: L.spike, engine_failure: L.engineFails };
    faults = cfg.faults.map(function (f) {
      return { at_ms: f.at_ms, label: fmt(labels[f.kind] || { kk: f.kind, en: f.kind }, f.target) };
    });
    var cb = q.get("crash_broker_at_ms"), cc = q.get("crash_consumer_at_ms");
    if (cb !== null) faults.push({ at_ms: +cb, label: fmt(L.crashB, q.get("crash_broker") || "0") });
    if (cc !== null) faults.push({ at_ms: +cc, label: fmt(L.crashC, q.get("crash_consumer") || "0") });
    frames = []; seen = []; lastResult = null;
    stepper.hidden = true;
    document.getElementById("outcome").hidden = true;
    runButton.disabled = true;
    document.getElementById("clock").textContent = t(L.running);
    return SL.fetchText("/api/scenario/" + cfg.name + "?" + q.toString())
      .then(function (toml) {
        return SL.postEvents("/api/run?seed=" + encodeURIComponent(seed()), toml, function (name, data) {
          if (name === "progress") enqueue({ frame: JSON.parse(data) });
          else if (name === "result") enqueue({ result: JSON.parse(data) });
          else if (name === "error") showError(data);
        });
      })
      .catch(function (e) {
        // Refused: nothing is simulating any more.
        document.getElementById("clock").textContent = "";
        showError(e.message);
      })
      .then(function () { runButton.disabled = false; });
  }
  runButton.addEventListener("click", run);

  // ?selftest=KEY:VALUE (the browser test): run, change one control, run again, and report both
  // results on <html data-selftest>.
  var selftest = SL.params.get("selftest");
  if (selftest) {
    var kv = selftest.split(":"), before = null;
    onResult = function () {
      var now = document.documentElement.getAttribute("data-result");
      if (before === null) {
        before = now;
        inputs[kv[0]].value = kv[1];
        inputs[kv[0]].dispatchEvent(new Event("change", { bubbles: true }));
        run();
      } else {
        document.documentElement.setAttribute("data-selftest", before + " -> " + now);
        onResult = null;
      }
    };
  }
  // ?at_ms=T: once the run is in, show it as it was at simulated time T (a URL for a moment of a run).
  var atMs = SL.params.get("at_ms");
  if (atMs !== null && !selftest) {
    onResult = function () {
      var i = seen.findIndex(function (f) { return f.sim_time_ms >= +atMs; });
      if (i >= 0) { stepper.value = i; show(i); }
      onResult = null;
    };
  }
  if (SL.params.get("run") === "1" || selftest) run();
})();
