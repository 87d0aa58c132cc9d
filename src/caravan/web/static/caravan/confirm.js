// Destructive actions ask first. Without JavaScript a link such as "Delete" opens a page that asks; with it, the
// same page's question opens in a <dialog> here, and its form posts as it would on that page.
(function () {
  "use strict";
  if (typeof HTMLDialogElement !== "function") return;
  var dialog = null;
  function close() { if (dialog) { dialog.close(); dialog.remove(); dialog = null; } }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-confirm-dialog]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    fetch(link.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var question = page.querySelector(".confirm");
        if (!question) throw new Error("no question");
        close();
        dialog = document.createElement("dialog");
        dialog.className = "confirm-dialog";
        dialog.setAttribute("aria-labelledby", "confirm-title");
        var subject = question.querySelector(".confirm-subject");
        if (subject) subject.remove(); // the post is on the page already
        dialog.appendChild(document.importNode(question, true));
        dialog.addEventListener("close", function () { if (dialog) { dialog.remove(); dialog = null; } });
        dialog.querySelector(".cancel").addEventListener("click", function (e) { e.preventDefault(); close(); });
        document.body.appendChild(dialog);
        dialog.showModal();
        dialog.querySelector("button[type=submit]").focus();
      })
      .catch(function () { window.location.href = link.href; });
  });
})();
