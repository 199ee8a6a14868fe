// The subscribe forms' proof of work (ALTCHA, vendored in static/vendor/altcha/). Loaded only
// once a reader starts on a form, so pages weigh the same for everyone else; the widget then
// fetches a challenge from this site and solves it, unseen (site.css), while the reader types.
// Without JavaScript the form posts as it is and the other checks apply (newsletter/defences.py).
const widgets = document.querySelectorAll("altcha-widget[data-script]");
let started = false;

function start() {
  if (started || !widgets.length) return;
  started = true;
  const first = widgets[0].dataset;
  const language = document.documentElement.lang.startsWith("fr") ? first.french : null;
  (language ? import(language) : Promise.resolve()).then(() => import(first.script));
}

for (const widget of widgets) {
  const form = widget.closest("form");
  form.addEventListener("focusin", start, { once: true });
  form.addEventListener("pointerdown", start, { once: true });
}
