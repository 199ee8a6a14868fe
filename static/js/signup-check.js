// The subscribe forms' proof of work (ALTCHA, vendored in static/vendor/altcha/). Loaded only
// once a reader starts on a form, so pages weigh the same for everyone else; the widget then
// fetches a challenge from this site and solves it, unseen (`hidden`), while the reader types.
// Without JavaScript the form posts as it is and the other checks apply (newsletter/defences.py).
const widgets = document.querySelectorAll("altcha-widget[data-script]");
const WAIT_MS = 5000; // a reader who presses Subscribe while it solves waits this long at most
let started = false;

function start() {
  if (started || !widgets.length) return;
  started = true;
  const first = widgets[0].dataset;
  const language = document.documentElement.lang.startsWith("fr") ? first.french : null;
  (language ? import(language) : Promise.resolve()).then(() => import(first.script));
}

const DONE = ["verified", "error", "expired"];

function solving(widget) {
  // Loading, fetching the challenge or solving it: anything but a final state.
  return started && !(typeof widget.getState === "function" && DONE.includes(widget.getState()));
}

// The widget marks its (hidden) checkbox required until solved, which would block the form
// silently: the form skips the browser's own checks and makes them itself, and a post sent
// while the widget still works waits for it (or goes without it, and the other checks apply).
function guard(form, widget) {
  const browserChecks = !form.noValidate; // a form marked novalidate leaves them to the server
  form.noValidate = true;
  form.addEventListener("submit", (event) => {
    const email = form.querySelector("input[type=email]");
    if (browserChecks && email && !email.checkValidity()) {
      event.preventDefault();
      email.reportValidity();
      return;
    }
    if (!solving(widget) || form.dataset.waited) return;
    event.preventDefault();
    form.dataset.waited = "1";
    const send = () => form.requestSubmit(event.submitter);
    const timer = setTimeout(send, WAIT_MS);
    widget.addEventListener("statechange", (change) => {
      if (DONE.includes(change.detail.state)) {
        clearTimeout(timer);
        setTimeout(send, 50); // once the widget has written its hidden field
      }
    });
  });
}

for (const widget of widgets) {
  const form = widget.closest("form");
  guard(form, widget);
  form.addEventListener("focusin", start, { once: true });
  form.addEventListener("pointerdown", start, { once: true });
}
