// Progressive enhancement for the compose form: a live character counter (the server still checks the length),
// a preview of each chosen image beside its description field, and a reminder, before publishing, when an image
// has no description (publishing again goes ahead).
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

  document.querySelectorAll("form.compose").forEach(function (form) {
    var reminder = form.querySelector(".alt-reminder");
    var slots = Array.prototype.slice.call(form.querySelectorAll("fieldset.image-slot"));
    slots.forEach(function (slot) {
      var input = slot.querySelector("input[type=file]");
      if (!input) return;
      var preview = document.createElement("img");
      preview.className = "preview";
      preview.alt = "";
      preview.hidden = true;
      input.insertAdjacentElement("afterend", preview);
      input.addEventListener("change", function () {
        if (preview.src) URL.revokeObjectURL(preview.src);
        var file = input.files && input.files[0];
        preview.hidden = !file;
        if (file) preview.src = URL.createObjectURL(file);
        else preview.removeAttribute("src");
      });
    });
    if (!reminder) return;
    var reminded = false;
    function undescribed() {
      return slots.filter(function (slot) {
        var input = slot.querySelector("input[type=file]");
        var description = slot.querySelector("input[type=text]");
        return input && input.files && input.files.length && description && !description.value.trim();
      });
    }
    form.addEventListener("submit", function (event) {
      var missing = undescribed();
      if (!missing.length || reminded) return;
      event.preventDefault();
      reminded = true;
      reminder.hidden = false;
      var section = missing[0].closest("details");
      if (section) section.open = true;
      var field = missing[0].querySelector("input[type=text]");
      if (field) field.focus();
    });
  });
})();
