// The issue page's progress panel, fetched again every few seconds while the issue is sending.
// The server renders the panel (same template as the page), so this file only swaps it in; it
// stops when the send is over or the session is gone. Without JavaScript the Refresh link works.
(function () {
  "use strict";
  var INTERVAL = 4000;

  function schedule(panel) {
    if (panel && panel.dataset.live === "1") {
      window.setTimeout(function () { poll(panel.dataset.url); }, INTERVAL);
    }
  }

  function poll(url) {
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("issue-progress");
        var current = document.getElementById("issue-progress");
        if (!fresh || !current) { return; } // signed out, or the issue is gone: stop polling
        current.replaceWith(fresh);
        schedule(fresh);
      })
      .catch(function () { schedule(document.getElementById("issue-progress")); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    schedule(document.getElementById("issue-progress"));
  });
})();
