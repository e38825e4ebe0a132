// The post editor's "more" button: puts the <!--more--> mark where the cursor is.
// A file of its own, no inline script: the Content-Security-Policy forbids them.
(function () {
  "use strict";

  // Only the first mark counts: one already in the text is moved, not doubled.
  var MARK = /<!--more(.*?)?-->\n?/;

  function insertMore(area) {
    var text = area.value;
    var start = area.selectionStart;
    var end = area.selectionEnd;
    var found = MARK.exec(text);
    if (found) {
      var at = found.index;
      var length = found[0].length;
      text = text.slice(0, at) + text.slice(at + length);
      if (start > at) { start = Math.max(at, start - length); }
      if (end > at) { end = Math.max(at, end - length); }
    }
    var before = text.slice(0, start);
    var after = text.slice(end);
    // On a line of its own, as WordPress writes it, so that Markdown keeps the paragraphs around it.
    var lead = !before || before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
    var trail = after.startsWith("\n\n") ? "" : after.startsWith("\n") ? "\n" : "\n\n";
    var mark = lead + "<!--more-->" + trail;
    area.value = before + mark + after;
    var cursor = before.length + mark.length;
    area.setSelectionRange(cursor, cursor);
    area.focus();
    // The preview follows the text (htmx listens for input).
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-insert-more]");
    if (!button) { return; }
    event.preventDefault();
    var area = document.getElementById(button.getAttribute("data-insert-more"));
    if (area) { insertMore(area); }
  });
})();
