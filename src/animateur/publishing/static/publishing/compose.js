// The composer: each chosen channel's own text shown under it, and the length each channel counts on the
// text it will send (its own, else the one above), as one types. The server checks the same rules again.
(() => {
  const form = document.querySelector('form[data-form="compose"]');
  const data = document.getElementById("compose-counted");
  if (!form || !data) return;
  const counted = JSON.parse(data.textContent);
  const main = form.querySelector("[data-compose-text]");
  const thread = form.querySelector('input[name="thread"]');
  const URL = /https?:\/\/\S+/g;
  const MENTION = /(@[A-Za-z0-9_]+)@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
  const segmenter = window.Intl && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;
  const graphemes = (text) => (segmenter ? [...segmenter.segment(text)].length : [...text].length);
  const links = (text, length) => (length ? text.replace(URL, "x".repeat(length)) : text);
  const length = (rule, text) => {
    if (rule.kind === "mastodon") return [...links(text.replace(MENTION, "$1"), rule.link)].length;
    if (rule.kind === "bluesky") return graphemes(links(text, rule.link));
    if (rule.kind === "reddit") return [...text.split("\n")[0].trim().replace(/^#+/, "").trim()].length;
    return 0;
  };
  const update = () => {
    form.querySelectorAll("[data-variant-for]").forEach((block) => {
      const id = block.dataset.variantFor;
      const box = form.querySelector(`input[name="channels"][value="${id}"]`);
      block.hidden = box ? !box.checked : false;
      const rule = counted[id];
      const out = block.querySelector("[data-count]");
      if (!out) return;
      if (!rule || !rule.max) {
        out.textContent = "";
        return;
      }
      const own = block.querySelector("textarea");
      const text = (own && own.value.trim() ? own.value : main ? main.value : "").trim();
      const n = length(rule, text);
      const over = n > rule.max;
      const threads = over && thread && thread.checked && (rule.kind === "mastodon" || rule.kind === "bluesky");
      const count = `${rule.kind === "reddit" ? out.dataset.title + " " : ""}${n} / ${rule.max}`;
      out.textContent = over ? `${count} · ${threads ? out.dataset.thread : out.dataset.over}` : count;
      out.dataset.state = over ? (threads ? "thread" : "over") : "ok";
      out.classList.toggle("field-error", over && !threads);
    });
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
