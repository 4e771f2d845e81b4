// The inspector console's search box, for keyboard-wedge scanners (no library, no network).
// Keeps the focus in the box so the next scan lands there, submits on Enter, and turns the
// Ctrl+] key that some scanners type for the GS1 separator (ASCII 29) into that character.
(function () {
  "use strict";
  var box = document.getElementById("code");
  if (!box) { return; }
  var form = box.form;
  var GS = String.fromCharCode(29);

  function insert(text) {
    var start = box.selectionStart, end = box.selectionEnd;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.selectionStart = box.selectionEnd = start + text.length;
  }

  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      if (box.value.trim()) { form.submit(); }
    } else if (event.ctrlKey && (event.key === "]" || event.code === "BracketRight")) {
      event.preventDefault();
      insert(GS);
    }
  });

  // Focus returns to the box after a click on empty page space, never away from a control.
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.closest("a, button, input, select, textarea, summary, label, dialog")) { return; }
    if (window.getSelection && String(window.getSelection())) { return; }
    box.focus();
  });
  if (box.hasAttribute("data-autofocus")) {
    box.focus();
    box.select();
  }
})();
