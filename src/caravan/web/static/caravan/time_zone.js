// Preferences: an empty time zone field is filled with the browser's own zone, so saving keeps it. Without
// JavaScript the field stays empty (UTC) and can be typed in.
(function () {
  "use strict";
  var field = document.getElementById("id_time_zone");
  if (!field || field.value) return;
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone) field.value = zone;
  } catch (e) {
    // An old browser without Intl: leave the field for the person to fill.
  }
})();
