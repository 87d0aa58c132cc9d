// Progressive enhancement for the compose form: a live character counter. The server still checks the length.
(function () {
  "use strict";
  var URL_RE = /https?:\/\/[^\s<>"'\u200b]+/g;
  var REMOTE_MENTION_RE = /(^|[^\w\/@])@([A-Za-z0-9_]+)@[\w.-]+\w/g;
  document.querySelectorAll("form.compose").forEach(function (form) {
    var text = form.querySelector("textarea[name=text]");
    var warning = form.querySelector("input[name=spoiler_text]");
    var counter = form.querySelector(".counter");
    if (!text || !counter) return;
    var max = parseInt(form.dataset.maxChars, 10) || 500;
    var perUrl = parseInt(form.dataset.urlChars, 10) || 23;
    var pad = new Array(perUrl + 1).join("x");
    function length() {
      // Count as the server does: a URL is a fixed length; a remote mention counts only its @username.
      var body = text.value.trim().replace(URL_RE, pad).replace(REMOTE_MENTION_RE, "$1@$2");
      return Array.from(body).length + (warning ? Array.from(warning.value.trim()).length : 0);
    }
    function update() {
      var left = max - length();
      counter.querySelector(".count").textContent = left.toLocaleString(document.documentElement.lang);
      counter.classList.toggle("over", left < 0);
    }
    counter.hidden = false;
    text.addEventListener("input", update);
    if (warning) warning.addEventListener("input", update);
    update();
  });
})();
