// @ts-check
/* Tabs: buttons[data-tab="<panel id>"] in a [role=tablist] show their panel and hide the
   others'. The open tab is also said on the tab list (data-open) for tests and CSS. */

/**
 * @typedef {object} Tabs
 * @property {(id: string) => void} open
 * @property {() => string} current
 * @property {(listener: (id: string) => void) => void} onChange
 */

/**
 * @param {HTMLElement} list the [role=tablist]
 * @returns {Tabs}
 */
export function wireTabs(list) {
  const buttons = /** @type {HTMLElement[]} */ (Array.from(list.querySelectorAll("[data-tab]")));
  /** @type {((id: string) => void)[]} */
  const listeners = [];
  let current = "";

  /** @param {string} id */
  function open(id) {
    for (const button of buttons) {
      const mine = button.dataset.tab === id;
      button.setAttribute("aria-selected", mine ? "true" : "false");
      button.classList.toggle("active", mine);
      const panel = document.getElementById(button.dataset.tab || "");
      if (panel) panel.hidden = !mine;
    }
    current = id;
    list.dataset.open = id;
    for (const listener of listeners) listener(id);
  }

  for (const button of buttons) {
    button.addEventListener("click", () => open(button.dataset.tab || ""));
  }
  const first = buttons.find((b) => b.getAttribute("aria-selected") === "true") || buttons[0];
  if (first) open(first.dataset.tab || "");
  return {
    open,
    current: () => current,
    onChange: (listener) => { listeners.push(listener); }
  };
}
