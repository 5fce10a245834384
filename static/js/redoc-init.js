// Boots the vendored ReDoc on /redoc against /openapi.json (no inline script: see the CSP).
"use strict";

// ReDoc 2.x always draws "API docs by Redocly" with a logo image from Redocly's CDN and has no
// option to leave it out. The CSP blocks that request (and logs a violation), so any image from
// another host is hidden and never given its src. React sets an <img>'s src both ways: cover both.
(function () {
  const offsite = (value) => {
    try {
      return new URL(String(value), window.location.href).host !== window.location.host;
    } catch (error) {
      return false;
    }
  };
  const img = HTMLImageElement.prototype;
  const setAttribute = Element.prototype.setAttribute;
  img.setAttribute = function (name, value) {
    if (name === "src" && offsite(value)) this.hidden = true;
    else setAttribute.call(this, name, value);
  };
  const src = Object.getOwnPropertyDescriptor(img, "src");
  Object.defineProperty(img, "src", {
    ...src,
    set(value) {
      if (offsite(value)) this.hidden = true;
      else src.set.call(this, value);
    },
  });
})();

Redoc.init("/openapi.json", {}, document.getElementById("redoc"));
