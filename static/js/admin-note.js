// The note editor (templates/admin/notes/body_widget.html): the preview in the site's own look,
// the "Insert paywall here" button, the caret after a dropped image, and a warning before leaving
// with unsaved changes.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const desk = document.querySelector(".note-desk");
  if (!desk) return;
  const markdownx = desk.querySelector(".markdownx");
  const editor = markdownx.querySelector(".markdownx-editor");
  const source = markdownx.querySelector(".markdownx-preview");
  const frame = desk.querySelector(".note-desk-preview");

  // The preview is a document of its own, so only the site's stylesheet styles it (not the
  // admin's). markdownx renders into its own (hidden) element; its HTML is copied into the frame,
  // whose scroll position survives each update.
  const links = frame.dataset.stylesheets.split(" ")
    .map((href) => `<link rel="stylesheet" href="${href}">`).join("");
  frame.srcdoc = `<!doctype html><html><head>${links}</head>`
    + `<body><main class="wrap"><article class="note-body"></article></main></body></html>`;
  const show = () => {
    const article = frame.contentDocument && frame.contentDocument.querySelector("article");
    if (article) article.innerHTML = source.innerHTML;
  };
  frame.addEventListener("load", show);
  markdownx.addEventListener("markdownx.update", show);

  // The marker goes on a line of its own at the cursor; markdownx hears the input and previews.
  desk.querySelector(".note-desk-paywall").addEventListener("click", (event) => {
    const marker = event.currentTarget.dataset.marker;
    const before = editor.value.slice(0, editor.selectionStart);
    const after = editor.value.slice(editor.selectionEnd);
    // A blank line on each side, or Markdown would read the marker as part of a paragraph.
    const pad = (breaks) => "\n".repeat(Math.max(0, 2 - breaks));
    const text = (before ? pad(before.match(/\n*$/)[0].length) : "") + marker
      + pad(after.match(/^\n*/)[0].length);
    editor.focus();
    editor.setRangeText(text, editor.selectionStart, editor.selectionEnd, "end");
    editor.dispatchEvent(new Event("input", {bubbles: true}));
  });

  // Unsaved text is not lost by a click elsewhere: the browser asks first, until the form is sent.
  const form = editor.form;
  let dirty = false;
  form.addEventListener("input", () => { dirty = true; });
  form.addEventListener("submit", () => { dirty = false; });
  window.addEventListener("beforeunload", (event) => {
    if (dirty) event.preventDefault();
  });

  // markdownx inserts a dropped or pasted image by rewriting the whole text, which sends the caret
  // to the very end (and fires no "input"): put the caret just after the image, where the author
  // goes on writing, and count the image as unsaved work.
  markdownx.addEventListener("markdownx.fileUploadEnd", (event) => {
    const code = event.detail[0].image_code;
    const at = editor.value.indexOf(code);  // each upload has a name of its own
    if (at >= 0) editor.setSelectionRange(at + code.length, at + code.length);
    dirty = true;
  });
});
