// A link to the same page in the other language, and a self-check for the browser test
// (open a page with #selfcheck: the <html> element gets data-selfcheck="loaded/total href").
// When `streamlab serve` serves the site, each lab chart also links to its live lab.
(function () {
  var langs = { kk: "en", en: "kk" };
  var here = document.documentElement.lang === "kk" ? "kk" : "en";
  var other = langs[here];
  var file = window.location.pathname.split("/").pop() || "index.html";
  var href = "../" + other + "/" + file;
  var link = document.createElement("a");
  link.id = "lang-switch";
  link.href = href;
  link.textContent = other === "kk" ? "Қазақша" : "English";
  link.title = other === "kk" ? "Осы бетті қазақша оқу" : "Read this page in English";
  link.style.marginRight = "1em";
  var bar = document.querySelector(".right-buttons") || document.body;
  bar.insertBefore(link, bar.firstChild);
  if (window.location.hash === "#selfcheck") {
    window.addEventListener("load", function () {
      var imgs = Array.prototype.slice.call(document.querySelectorAll("main img"));
      var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
      document.documentElement.setAttribute("data-selfcheck", ok + "/" + imgs.length + " " + link.href);
    });
  }
})();

(function () {
  if (window.location.protocol.indexOf("http") !== 0) return;
  var lang = document.documentElement.lang === "kk" ? "kk" : "en";
  fetch("/api/health").then(function (r) { return r.ok ? r.json() : null; }).then(function (health) {
    if (!health || !health.live_labs) return;
    document.querySelectorAll("main img").forEach(function (img) {
      var m = /(?:^|\/)charts\/([a-z-]+)\//.exec(img.getAttribute("src") || "");
      if (!m || health.live_labs.indexOf(m[1]) < 0) return;
      var a = document.createElement("a");
      a.className = "live-lab";
      a.href = "/lab/" + m[1] + "?lang=" + lang;
      a.textContent = lang === "kk" ? "▶ Интерактивті зертхана: " + m[1] : "▶ Live lab: " + m[1];
      a.style.display = "block";
      a.style.margin = "0.2em 0 1em";
      // One link per figure, after its paragraph (a zoomable chart holds the image twice).
      var box = img.closest("p") || img;
      if (box.getAttribute("data-live-lab")) return;
      box.setAttribute("data-live-lab", m[1]);
      box.parentNode.insertBefore(a, box.nextSibling);
    });
  }).catch(function () {});
})();
