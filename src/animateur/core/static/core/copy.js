// A button with data-copy="<selector>" copies the value of that field, or the text of that element
// (one line per list item), and says so with its data-copied text. Without JavaScript, the text is
// there to select by hand.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source) return;
  const items = source.querySelectorAll("li");
  const text = "value" in source ? source.value
    : items.length ? Array.from(items, (item) => item.textContent.trim()).join("\n")
    : source.textContent.trim();
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    if ("select" in source) source.select();
    return;
  }
  const label = button.textContent;
  button.textContent = button.dataset.copied || label;
  setTimeout(() => { button.textContent = label; }, 2000);
});
