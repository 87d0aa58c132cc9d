// Live updates for a signed-in page, when JavaScript is on: one WebSocket to this server's streaming API
// (/api/v1/streaming, which accepts the session cookie only from this server's own pages). New posts on the page's
// timeline show a "Show N new posts" button that reloads the newest page; notifications update the badge.
// Nothing received is inserted as HTML: only counts, as text, in words the page rendered for us.
(function () {
  "use strict";
  var element = document.querySelector("script[data-live]");
  if (!element || !("WebSocket" in window)) return;
  var config = JSON.parse(element.getAttribute("data-live"));
  var lang = document.documentElement.lang || "en";
  var plurals = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;

  function words(kind, count) {
    var forms = config.words[kind];
    var form = (plurals && forms[plurals.select(count)]) || forms.other;
    return form.replace("%(count)s", String(count));
  }

  var pageStreams = config.streams;
  var pageNames = pageStreams.map(function (s) { return s.stream; });
  var onNotificationsPage = pageNames.indexOf("user:notification") !== -1;
  var seenPosts = {};
  var seenNotifications = {};
  var newCount = 0;
  var button = null;

  function showButton() {
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "live-new";
      button.setAttribute("aria-live", "polite");
      button.addEventListener("click", function () {
        // The newest page: this address without its paging parameters.
        var query = new URLSearchParams(location.search);
        ["max_id", "min_id", "since_id", "offset"].forEach(function (name) { query.delete(name); });
        var search = query.toString();
        location.assign(location.pathname + (search ? "?" + search : ""));
      });
      var main = document.getElementById("main");
      main.insertBefore(button, main.firstChild);
    }
    button.textContent = words(onNotificationsPage ? "notifications" : "posts", newCount);
    button.setAttribute("data-count", String(newCount));
  }

  function bumpBadge() {
    var link = document.querySelector('a[href="/notifications"]');
    if (!link) return;
    var badge = link.querySelector(".badge");
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge";
      link.appendChild(document.createTextNode(" "));
      link.appendChild(badge);
    }
    var count = (parseInt(badge.textContent, 10) || 0) + 1;
    badge.textContent = String(count);
    badge.setAttribute("aria-label", words("unread", count));
  }

  function parsed(payload) {
    try {
      return typeof payload === "string" ? JSON.parse(payload) : payload;
    } catch (error) {
      return null;
    }
  }

  function idOf(payload) {
    var item = parsed(payload);
    return item && item.id ? String(item.id) : "";
  }

  function received(message) {
    var names = message.stream || [];
    if (message.event === "notification") {
      var item = parsed(message.payload);
      var id = item && item.id ? String(item.id) : "";
      if (!id || seenNotifications[id]) return;
      seenNotifications[id] = true;
      bumpBadge();
      var types = config.types || [];
      if (onNotificationsPage && (!types.length || types.indexOf(item.type) !== -1)) {
        newCount += 1;
        showButton();
      }
    } else if (message.event === "update" && !onNotificationsPage) {
      var shown = names.some(function (name) { return pageNames.indexOf(name) !== -1; });
      var postId = idOf(message.payload);
      if (!shown || !postId || seenPosts[postId]) return;
      seenPosts[postId] = true;
      newCount += 1;
      showButton();
    }
  }

  var delay = 1000;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/api/v1/streaming");
    socket.addEventListener("open", function () {
      delay = 1000;
      var wanted = pageStreams.slice();
      if (!onNotificationsPage) wanted.push({ stream: "user:notification" });
      wanted.forEach(function (stream) {
        var message = { type: "subscribe" };
        Object.keys(stream).forEach(function (key) { message[key] = stream[key]; });
        socket.send(JSON.stringify(message));
      });
      document.documentElement.setAttribute("data-live", "connected");
    });
    socket.addEventListener("message", function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (error) { return; }
      if (message && typeof message.event === "string") received(message);
    });
    socket.addEventListener("close", function (event) {
      document.documentElement.setAttribute("data-live", "closed");
      if (event.code === 4001) return; // signed out or refused: the next page load decides again
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 60000);
    });
  }
  connect();
})();
