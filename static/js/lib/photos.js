// @ts-check
/* Photos of events: staff photos are behind the session (GET /api/v1/events/{id}/attachments/
   {n}), so they are fetched with the credentials and shown from a blob: URL (the CSP allows
   blob: images); and the chosen files of a photo input, previewed the same way. */

import { h } from "./dom.js";

/** @type {Map<string, Promise<string>>} blob: URLs by photo URL, fetched once a page */
const fetched = new Map();

/**
 * A blob: URL of a photo fetched with the session's credentials.
 * @param {string} url
 * @returns {Promise<string>}
 */
export function photoBlobUrl(url) {
  let found = fetched.get(url);
  if (!found) {
    found = fetch(url, { credentials: "same-origin" }).then((response) => {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.blob();
    }).then((blob) => URL.createObjectURL(blob));
    found.catch(() => fetched.delete(url)); // a failure may be retried later
    fetched.set(url, found);
  }
  return found;
}

/**
 * An <img> of a staff photo; ``data-loaded`` says true once drawn (error when it failed). A
 * click shows it large, another click small again.
 * @param {string} url
 * @param {string} [alt]
 * @returns {HTMLElement}
 */
export function photo(url, alt) {
  const img = /** @type {HTMLImageElement} */ (h("img", {
    class: "photo", alt: alt || "照片 photo", "data-src": url, tabindex: 0
  }));
  img.addEventListener("load", () => { img.dataset.loaded = "true"; });
  photoBlobUrl(url).then((src) => { img.src = src; }).catch(() => {
    img.dataset.loaded = "error";
    img.alt = "照片无法加载 the photo could not load";
  });
  img.addEventListener("click", () => img.classList.toggle("large"));
  return img;
}

/**
 * Thumbnails of the files chosen in a file input, under it (replaced at each choice).
 * @param {HTMLInputElement} input
 * @param {HTMLElement} box where the thumbnails go
 */
export function previewFiles(input, box) {
  /** @type {string[]} */
  let urls = [];
  input.addEventListener("change", () => {
    for (const url of urls) URL.revokeObjectURL(url);
    urls = Array.from(input.files || []).map((file) => URL.createObjectURL(file));
    box.textContent = "";
    for (const url of urls) box.appendChild(h("img", { class: "photo thumb", src: url, alt: "预览 preview" }));
  });
}
