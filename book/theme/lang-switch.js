// A link to the same page in the other language, and a self-check for the browser test
// (open a page with #selfcheck: the <html> element gets data-selfcheck="loaded/total href").
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
