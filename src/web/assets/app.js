// regkb pages: small progressive enhancements only; every page works without this file.
(function () {
  "use strict";
  // Copy buttons: <button data-copy="#id">; the text stays selectable when copying fails.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest ? ev.target.closest("[data-copy]") : null;
    if (!btn) return;
    var src = document.querySelector(btn.getAttribute("data-copy"));
    if (!src) return;
    var text = src.value !== undefined ? src.value : src.textContent;
    var done = function (ok) {
      var old = btn.getAttribute("data-label") || btn.textContent;
      btn.setAttribute("data-label", old);
      btn.textContent = ok ? "已复制" : "请手动复制";
      setTimeout(function () { btn.textContent = old; }, 1600);
      if (!ok && src.select) { src.focus(); src.select(); }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(false); });
    } else {
      try {
        if (src.select) { src.focus(); src.select(); }
        done(document.execCommand("copy"));
      } catch (e) { done(false); }
    }
  });
  // File inputs with data-into="#textarea": read a chosen file into the textarea.
  document.addEventListener("change", function (ev) {
    var input = ev.target;
    if (!input || !input.getAttribute || !input.getAttribute("data-into")) return;
    var target = document.querySelector(input.getAttribute("data-into"));
    var file = input.files && input.files[0];
    if (!target || !file || !window.FileReader) return;
    var reader = new FileReader();
    reader.onload = function () { target.value = reader.result; };
    reader.readAsText(file, "utf-8");
  });
  // Show the copy buttons only when the script runs.
  var buttons = document.querySelectorAll("[data-copy]");
  for (var i = 0; i < buttons.length; i++) buttons[i].hidden = false;
})();
