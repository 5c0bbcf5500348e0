// Shared by the live pages: the language (kk or en, from ?lang= or the browser), SVG helpers, and a
// reader of server-sent events from a POST (EventSource only does GET).
"use strict";

var SL = (function () {
  var params = new URLSearchParams(window.location.search);
  var lang = params.get("lang") || ((navigator.language || "").indexOf("kk") === 0 ? "kk" : "en");
  if (lang !== "kk" && lang !== "en") lang = "en";
  document.documentElement.lang = lang;

  // A label in the page's language: t({kk: "...", en: "..."}) or t("key") from the shared table.
  var TABLE = {
    labs: { kk: "Интерактивті зертханалар", en: "Live labs" },
    site: { kk: "Курс сайты", en: "Course site" },
    replay: { kk: "Flink пен Spark: қадамдап көру", en: "Flink and Spark, step by step" },
    other: { kk: "English", en: "Қазақша" },
    s: { kk: "с", en: "s" },
    ms: { kk: "мс", en: "ms" },
  };
  function t(x) {
    var e = typeof x === "string" ? TABLE[x] : x;
    return e ? e[lang] : x;
  }

  var NS = "http://www.w3.org/2000/svg";
  function el(name, attrs, parent, text) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  // A refused request (400, 413, 429...) as an error in the page's language: the kind of refusal, then the
  // server's own words, which name the parameter and the fix (in English: they are the command line's).
  var REFUSED = {
    400: { kk: "Сұрау қабылданбады", en: "Refused" },
    413: { kk: "Жіберілген мәтін тым үлкен", en: "Too large" },
    429: { kk: "Сервер қазір бос емес, сәлден соң қайталаңыз", en: "Busy" },
  };
  var NO_ANSWER = { kk: "Сервер жауап бермеді", en: "the server did not answer" };
  function refused(status, text) {
    var detail = text.trim();
    if (lang === "en" && detail) return new Error(detail);
    var kind = t(REFUSED[status] || { kk: "Сервер қате қайтарды", en: "Error" });
    return new Error(kind + " (HTTP " + status + ")" + (detail ? ": " + detail : ""));
  }

  // fetch(url, options), resolving with the answer's text; a refusal rejects with `refused`.
  function fetchText(url, options) {
    return fetch(url, options).then(function (r) {
      return r.text().then(function (text) { if (!r.ok) throw refused(r.status, text); return text; });
    }, function () { throw new Error(t(NO_ANSWER)); });
  }

  // POSTs `body` and calls onEvent(name, data) for each server-sent event as it arrives; resolves when the
  // stream ends. A refusal (400, 413, 429...) rejects with the server's message. XMLHttpRequest rather
  // than a fetch stream: headless Chrome's virtual time then waits for the whole run.
  function postEvents(url, body, onEvent) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest(), seen = 0, buf = "";
      xhr.open("POST", url);
      xhr.setRequestHeader("Accept", "text/event-stream");
      function dispatch(block) {
        var name = "message", data = [];
        block.split("\n").forEach(function (line) {
          if (line.indexOf("event:") === 0) name = line.slice(6).trim();
          else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
        });
        if (data.length) onEvent(name, data.join("\n"));
      }
      function take() {
        if (xhr.status !== 200) return;
        buf += xhr.responseText.slice(seen);
        seen = xhr.responseText.length;
        var i;
        while ((i = buf.indexOf("\n\n")) >= 0) { dispatch(buf.slice(0, i)); buf = buf.slice(i + 2); }
      }
      xhr.onprogress = take;
      xhr.onload = function () {
        if (xhr.status !== 200) return reject(refused(xhr.status, xhr.responseText));
        take();
        if (buf.trim()) dispatch(buf);
        resolve();
      };
      xhr.onerror = function () { reject(new Error(t(NO_ANSWER))); };
      xhr.send(body);
    });
  }

  // The header bar shared by the pages: links and the language switch (same page, other language).
  function header(title) {
    var bar = document.getElementById("bar");
    var p = new URLSearchParams(window.location.search);
    p.set("lang", lang === "kk" ? "en" : "kk");
    bar.innerHTML = "";
    var h = document.createElement("strong");
    h.textContent = title;
    bar.appendChild(h);
    [["/lab?lang=" + lang, t("labs")], ["/replay?lang=" + lang, t("replay")], ["/" + lang + "/", t("site")],
     [window.location.pathname + "?" + p.toString(), t("other")]].forEach(function (l) {
      var a = document.createElement("a");
      a.href = l[0];
      a.textContent = l[1];
      bar.appendChild(a);
    });
  }

  // The page's error line (#error): shown with a message, hidden without one.
  function showError(msg) {
    var e = document.getElementById("error");
    e.hidden = !msg;
    e.textContent = msg || "";
  }

  // A labelled control for c = {key, kk, en, options?}: a select when it has options, else an input.
  // Returns [label, input]; the caller sets the input's type and value.
  function control(c) {
    var label = document.createElement("label");
    var span = document.createElement("span");
    span.textContent = t(c);
    label.appendChild(span);
    var input;
    if (c.options) {
      input = document.createElement("select");
      c.options.forEach(function (o) {
        var opt = document.createElement("option");
        opt.value = o;
        opt.textContent = o;
        input.appendChild(opt);
      });
    } else {
      input = document.createElement("input");
    }
    input.name = c.key;
    label.appendChild(input);
    return [label, input];
  }

  return {
    lang: lang, t: t, el: el, clear: clear, postEvents: postEvents, fetchText: fetchText, header: header,
    params: params, showError: showError, control: control,
  };
})();
