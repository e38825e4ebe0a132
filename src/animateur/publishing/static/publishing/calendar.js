// The calendar's drag to reschedule: a publication dropped on another day is moved there, at the same
// time of day, through the same action as the publication's page (POST …/<id>/reschedule/). Without this
// script the calendar still shows everything, and a publication's page sets its time.
(function () {
  "use strict";
  var table = document.querySelector("[data-calendar][data-can-move]");
  if (!table) return;
  var base = table.getAttribute("data-move-url");
  var error = document.querySelector("[data-move-error]");
  var csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] ||
    (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
  var dragged = null;

  table.addEventListener("dragstart", function (event) {
    var item = event.target.closest("[data-publication][draggable]");
    if (!item) return;
    dragged = item;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.getAttribute("data-publication"));
  });
  table.addEventListener("dragover", function (event) {
    if (dragged && event.target.closest("[data-day]")) event.preventDefault();
  });
  table.addEventListener("drop", function (event) {
    var cell = event.target.closest("[data-day]");
    if (!cell || !dragged) return;
    event.preventDefault();
    var item = dragged;
    dragged = null;
    var origin = item.parentNode;
    var body = new URLSearchParams({day: cell.getAttribute("data-day")});
    fetch(base + item.getAttribute("data-publication") + "/reschedule/", {
      method: "POST",
      headers: {"X-CSRFToken": decodeURIComponent(csrf), "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded"},
      credentials: "same-origin",
      body: body
    }).then(function (response) {
      return response.json().then(function (data) { return {ok: response.ok, data: data}; });
    }).then(function (answer) {
      if (!answer.ok) throw new Error(answer.data.error || "");
      cell.querySelector("ul").appendChild(item);
      item.setAttribute("data-moved", "");
      if (error) error.hidden = true;
    }).catch(function (exc) {
      origin.appendChild(item);
      if (error) { error.textContent = exc.message; error.hidden = false; }
    });
  });
})();
