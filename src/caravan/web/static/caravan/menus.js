// The More menus (navigation and each post's) are <details>, so they work without JavaScript; with it, a click
// elsewhere or Escape closes an open one, as people expect of a menu.
(function () {
  "use strict";
  var MENUS = "details.nav-more[open], details.post-more[open]";
  document.addEventListener("click", function (event) {
    document.querySelectorAll(MENUS).forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll(MENUS).forEach(function (menu) {
      if (menu.contains(document.activeElement)) menu.querySelector("summary").focus();
      menu.open = false;
    });
  });
})();
