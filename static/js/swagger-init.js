// Boots the vendored Swagger UI on /docs against /openapi.json (no inline script: see the CSP).
"use strict";
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis], // the standalone preset is only for StandaloneLayout
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  validatorUrl: null, // never ask validator.swagger.io for a badge
  oauth2RedirectUrl: window.location.origin + "/docs/oauth2-redirect",
});
