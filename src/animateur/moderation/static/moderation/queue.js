// Keyboard shortcuts of the review queue: j/k move, x selects, a/r/s/e decide, o opens, ? helps.
// Without this script every action still works through the form's buttons.
(function () {
  "use strict";
  var form = document.getElementById("queue-form");
  if (!form) return;
  var items = Array.prototype.slice.call(form.querySelectorAll(".mod-item"));
  var current = 0;
  var help = document.getElementById("mod-help");
  var toggle = document.getElementById("mod-help-toggle");
  if (toggle) toggle.addEventListener("click", function () { help.hidden = !help.hidden; });

  function focus(index) {
    if (!items.length) return;
    current = Math.max(0, Math.min(items.length - 1, index));
    items.forEach(function (el, i) { el.classList.toggle("current", i === current); });
    items[current].focus();
    items[current].scrollIntoView({block: "nearest"});
  }

  function decide(decision) {
    var checked = form.querySelectorAll("input[name=item]:checked");
    if (!checked.length && items.length) {
      items[current].querySelector("input[name=item]").checked = true;
    }
    var input = document.createElement("input");
    input.type = "hidden"; input.name = "decision"; input.value = decision;
    form.appendChild(input);
    form.submit();
  }

  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" && event.target.type !== "checkbox" || tag === "textarea" || tag === "select") return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    switch (event.key) {
      case "j": focus(current + 1); break;
      case "k": focus(current - 1); break;
      case "x": var box = items[current] && items[current].querySelector("input[name=item]"); if (box) box.checked = !box.checked; break;
      case "a": decide("approve"); break;
      case "r": decide("reject"); break;
      case "s": decide("spam"); break;
      case "e": if (form.querySelector("button[value=escalate]")) decide("escalate"); break;
      case "o": var link = items[current] && items[current].querySelector("a.open"); if (link) window.location = link.href; break;
      case "?": help.hidden = !help.hidden; break;
      default: return;
    }
    event.preventDefault();
  });
  focus(0);
})();
