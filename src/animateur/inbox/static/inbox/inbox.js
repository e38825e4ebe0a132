// Inbox keyboard shortcuts, saved-reply search while typing, and "who is replying" presence.
(function () {
  "use strict";
  const typing = (el) => el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  let cursorId = sessionStorage.getItem("inbox-cursor");

  function items() { return Array.from(document.querySelectorAll("[data-conversation-list] [data-conversation]")); }
  function paintCursor() {
    const list = items();
    if (!list.length) return;
    let current = list.find((li) => li.dataset.conversation === cursorId);
    if (!current) { current = list[0]; cursorId = current.dataset.conversation; }
    list.forEach((li) => li.classList.toggle("is-cursor", li === current));
  }
  function move(delta) {
    const list = items();
    if (!list.length) return;
    let i = list.findIndex((li) => li.dataset.conversation === cursorId);
    i = Math.max(0, Math.min(list.length - 1, (i < 0 ? 0 : i + delta)));
    cursorId = list[i].dataset.conversation;
    sessionStorage.setItem("inbox-cursor", cursorId);
    paintCursor();
    list[i].scrollIntoView({ block: "nearest" });
  }
  function submitWith(formId, name, value) {
    const form = document.getElementById(formId);
    if (!form) return;
    const button = form.querySelector(`button[name="${name}"][value="${value}"]`);
    if (button) { form.requestSubmit(button); }
  }
  function openShortcuts() { const d = document.getElementById("shortcuts"); if (d && !d.open) d.showModal(); }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(document.activeElement)) return;
    const page = document.querySelector("[data-conversation-page]");
    const key = event.key;
    if (key === "?") { openShortcuts(); event.preventDefault(); return; }
    if (page) {
      if (key === "j" && page.dataset.next) { location.href = page.dataset.next; }
      else if (key === "k" && page.dataset.prev) { location.href = page.dataset.prev; }
      else if (key === "u") { location.href = page.dataset.list; }
      else if (key === "a") { submitWith("work-form", "quick", "assign_me"); }
      else if (key === "c") { submitWith("work-form", "quick", "close"); }
      else if (key === "r") { const t = document.getElementById("reply-text"); if (t) t.focus(); }
      else if (key === "l") { const t = document.getElementById("new-label"); if (t) t.focus(); }
      else return;
      event.preventDefault();
      return;
    }
    if (!items().length) return;
    const current = items().find((li) => li.dataset.conversation === cursorId);
    if (key === "j") move(1);
    else if (key === "k") move(-1);
    else if ((key === "o" || key === "Enter" || key === "r") && current) { location.href = current.dataset.url + (key === "r" ? "#reply-form" : ""); }
    else if (key === "x" && current) { const box = current.querySelector("[data-select]"); if (box) box.checked = !box.checked; }
    else if ((key === "a" || key === "c" || key === "l") && current) {
      const form = document.getElementById("bulk-form");
      const selected = form.querySelectorAll("[data-select]:checked");
      if (!selected.length) { const box = current.querySelector("[data-select]"); if (box) box.checked = true; }
      const op = { a: "assign_me", c: "close", l: "label" }[key];
      form.querySelector("select[name=operation]").value = op;
      if (key === "l") { form.querySelector("select[name=label]").focus(); } else { form.requestSubmit(); }
    }
    else return;
    event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-shortcuts-open]")) openShortcuts();
  });
  // The polled list carries fresh counts: copy them into the view tabs.
  function refreshCounts() {
    document.querySelectorAll("[data-counts] [data-count-value]").forEach(function (el) {
      const tab = document.querySelector('.inbox-views [data-count="' + el.dataset.countValue + '"]');
      if (tab) tab.textContent = el.textContent;
    });
  }
  document.addEventListener("htmx:afterSwap", function () { paintCursor(); refreshCounts(); });
  document.addEventListener("DOMContentLoaded", function () {
    paintCursor();
    // Saved replies: search while typing, pick one with Enter or a click; variables come filled.
    const search = document.querySelector("[data-saved-replies]");
    const results = document.querySelector("[data-saved-reply-results]");
    const text = document.getElementById("reply-text");
    if (search && results && text) {
      let timer = null, found = [];
      const pick = (r) => { text.value = r.text; results.innerHTML = ""; search.value = ""; text.focus(); };
      search.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(async function () {
          const url = search.dataset.savedReplies + "&q=" + encodeURIComponent(search.value);
          const response = await fetch(url, { headers: { "Accept": "application/json" } });
          found = (await response.json()).results;
          results.innerHTML = "";
          found.forEach(function (r, i) {
            const li = document.createElement("li");
            li.setAttribute("role", "option");
            li.dataset.savedReply = r.id;
            li.textContent = r.title + (r.language ? " [" + r.language + "]" : "");
            if (i === 0) li.setAttribute("aria-selected", "true");
            li.addEventListener("click", () => pick(r));
            results.appendChild(li);
          });
        }, 150);
      });
      search.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); if (found.length) pick(found[0]); }
      });
    }
    // The live list does not refresh under a selection being made (a filter in hx-trigger would
    // need eval, which the Content-Security-Policy forbids).
    document.body.addEventListener("htmx:beforeRequest", function (event) {
      if (event.detail.elt.hasAttribute("data-live-list") && document.querySelector("[data-select]:checked")) {
        event.preventDefault();
      }
    });
    // Presence: while the reply box has text, the polling says "replying".
    const live = document.getElementById("live");
    if (live && text) {
      document.body.addEventListener("htmx:configRequest", function (event) {
        if (event.detail.elt === live) { event.detail.parameters.replying = text.value.trim() ? "1" : "0"; }
      });
    }
  });
})();
