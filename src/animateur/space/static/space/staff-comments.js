// « Select all » of the team's comments list: one box checks or unchecks every row, and shows
// whether all, some or none are checked. A static file, not an onclick attribute, so that a
// Content-Security-Policy without 'unsafe-inline' lets it run. Without script the box stays
// hidden and rows are checked one by one.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all || !all.form) return;
  var rows = Array.prototype.slice.call(all.form.querySelectorAll("input[name=ids]"));

  function follow() {
    var checked = rows.filter(function (box) { return box.checked; }).length;
    all.checked = rows.length > 0 && checked === rows.length;
    all.indeterminate = checked > 0 && checked < rows.length;
  }

  all.addEventListener("change", function () {
    rows.forEach(function (box) { box.checked = all.checked; });
    all.indeterminate = false;
  });
  rows.forEach(function (box) { box.addEventListener("change", follow); });
  all.hidden = false;
  follow();
})();
