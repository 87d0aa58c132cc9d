// The media viewer: with JavaScript, a post's images open in a <dialog> on the same page (Esc or the close
// button closes it, the arrow keys and a swipe go to the next or previous image of the post, the description is
// shown under the image). Without JavaScript each image is a plain link to the full file.
(function () {
  "use strict";
  if (typeof HTMLDialogElement !== "function") return;
  var root = document.documentElement;
  var rtl = root.dir === "rtl";
  var said = (document.getElementById("media-viewer-words") || { dataset: {} }).dataset;
  var words = {
    title: said.title || "Image",
    close: said.close || "Close",
    previous: said.previous || "Previous image",
    next: said.next || "Next image",
    noAlt: said.noAlt || "",
  };
  var dialog = null, items = [], index = 0, opener = null;

  function button(className, label, text) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.setAttribute("aria-label", label);
    b.textContent = text;
    return b;
  }

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "media-viewer";
    dialog.setAttribute("aria-label", words.title);
    var controls = document.createElement("div");
    controls.className = "viewer-controls";
    var previous = button("previous", words.previous, rtl ? "→" : "←");
    var next = button("next", words.next, rtl ? "←" : "→");
    var close = button("close", words.close, "×");
    controls.append(previous, next, close);
    var body = document.createElement("figure");
    body.className = "viewer-body";
    var image = document.createElement("img");
    var alt = document.createElement("figcaption");
    alt.className = "viewer-alt";
    alt.setAttribute("dir", "auto");
    body.append(image, alt);
    dialog.append(controls, body);
    previous.addEventListener("click", function () { show(index - 1); });
    next.addEventListener("click", function () { show(index + 1); });
    close.addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "ArrowRight") { show(index + (rtl ? -1 : 1)); event.preventDefault(); }
      else if (event.key === "ArrowLeft") { show(index + (rtl ? 1 : -1)); event.preventDefault(); }
    });
    var startX = null;
    dialog.addEventListener("touchstart", function (event) { startX = event.touches[0].clientX; }, { passive: true });
    dialog.addEventListener("touchend", function (event) {
      if (startX === null) return;
      var dx = event.changedTouches[0].clientX - startX;
      startX = null;
      if (Math.abs(dx) > 50) show(index + ((dx < 0) !== rtl ? 1 : -1));
    });
    dialog.addEventListener("click", function (event) { if (event.target === dialog) dialog.close(); });
    dialog.addEventListener("close", function () { if (opener) opener.focus(); });
    document.body.appendChild(dialog);
  }

  function show(at) {
    if (!items.length) return;
    index = (at + items.length) % items.length;
    var link = items[index];
    var thumb = link.querySelector("img");
    var image = dialog.querySelector(".viewer-body img");
    var caption = dialog.querySelector(".viewer-alt");
    image.src = link.dataset.full || link.href;
    image.alt = thumb ? thumb.alt : "";
    caption.textContent = (thumb && thumb.alt) || words.noAlt;
    caption.hidden = !caption.textContent;
    var several = items.length > 1;
    dialog.querySelector(".previous").hidden = !several;
    dialog.querySelector(".next").hidden = !several;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".media a.media-item");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    if (!dialog) build();
    opener = link;
    items = Array.prototype.slice.call(link.closest(".media").querySelectorAll("a.media-item"));
    show(items.indexOf(link));
    dialog.showModal();
    dialog.querySelector(".close").focus();
  });
})();
