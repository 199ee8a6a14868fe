// The note page is the same for every reader (and cached): each reader's own thread, with their
// forms, comes from the comments page. Without JavaScript the section's link leads there.
(function () {
  var section = document.querySelector("[data-comments-src]");
  if (!section || !window.fetch) return;
  fetch(section.getAttribute("data-comments-src"), {
    headers: { "X-Solo-Fragment": "1" },
    credentials: "same-origin",
  })
    .then(function (response) {
      return response.ok ? response.text() : null;
    })
    .then(function (html) {
      if (html === null) return;
      section.innerHTML = html;
      section.setAttribute("data-loaded", "true");
      var target = location.hash && document.getElementById(location.hash.slice(1));
      if (target) target.scrollIntoView();
    })
    .catch(function () {}); // the link stays: nothing is lost
})();
