// @ts-check
/* Leaflet and its plugins (VectorGrid, Geoman) are vendored classic scripts under /static/vendor,
   loaded by <script> tags before the page's module: this module hands their global to the others. */

/** @type {any} */
const L = /** @type {any} */ (globalThis).L;
if (!L) throw new Error("Leaflet (window.L) is not loaded: its <script> must come before the module");

export default L;
