// The rule form, live: each condition offers only the operators its field takes, and « Add a
// condition » / « Add an action » copy a row on the page instead of asking the server. The list
// of fields and operators comes from the page (json_script of conditions.FIELDS, the declaration
// that also validates them). Without this script the form still works: operators are grouped under
// their field's name and the « add » buttons ask the server for one more row.
(function () {
  "use strict";
  var form = document.querySelector("form.mod-rule");
  var source = document.getElementById("rule-condition-fields");
  if (!form || !source) return;
  var fields = JSON.parse(source.textContent);

  function option(value, text) {
    var el = document.createElement("option");
    el.value = value;
    el.textContent = text;
    return el;
  }

  // The operator menu of a row: its field's operators, or every field's under its name.
  function fillOperators(row) {
    var field = row.querySelector("select[name$=_field]");
    var op = row.querySelector("select[name$=_op]");
    if (!field || !op) return;
    var wanted = op.value;
    var spec = fields[field.value];
    op.textContent = "";
    if (spec) {
      spec.ops.forEach(function (pair) { op.appendChild(option(pair[0], pair[1])); });
      var known = spec.ops.some(function (pair) { return pair[0] === wanted; });
      op.value = known ? wanted : spec.ops[0][0];
    } else {
      op.appendChild(option("", "—"));
      Object.keys(fields).forEach(function (name) {
        var group = document.createElement("optgroup");
        group.label = fields[name].label;
        fields[name].ops.forEach(function (pair) { group.appendChild(option(pair[0], pair[1])); });
        op.appendChild(group);
      });
      op.value = "";
    }
  }

  function rowsOf(kind) {
    return Array.prototype.slice.call(form.querySelectorAll(".row[data-row=" + kind + "]"));
  }

  // A copy of the kind's first row, numbered `index`, emptied of values and errors.
  function newRow(kind, index) {
    var row = rowsOf(kind)[0].cloneNode(true);
    var prefix = new RegExp("^(id_)?" + kind + "\\d+_");
    row.querySelectorAll("[name], [id], [for]").forEach(function (el) {
      ["name", "id", "for"].forEach(function (attribute) {
        var value = el.getAttribute(attribute);
        if (value) el.setAttribute(attribute, value.replace(prefix, "$1" + kind + index + "_"));
      });
    });
    row.querySelectorAll(".errors").forEach(function (el) { el.remove(); });
    row.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    row.querySelectorAll("input").forEach(function (el) { el.value = ""; });
    row.querySelectorAll("select").forEach(function (el) { el.selectedIndex = 0; });
    row.querySelectorAll("[data-n]").forEach(function (el) { el.textContent = String(index + 1); });
    return row;
  }

  form.querySelectorAll("button[data-add]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var kind = button.getAttribute("data-add");
      var rows = rowsOf(kind);
      var row = newRow(kind, rows.length);
      rows[rows.length - 1].after(row);
      if (kind === "c") fillOperators(row);
      var count = form.querySelector("input[data-rows=" + kind + "]");
      count.value = String(rows.length + 1);
      if (rows.length + 1 >= Number(button.getAttribute("data-max"))) button.hidden = true;
      row.querySelector("select").focus();
    });
  });

  rowsOf("c").forEach(fillOperators);  // as the server drew them, unless the browser restored other choices
  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[name$=_field]")) fillOperators(target.closest(".row"));
  });
})();
