// Small things of every page: a [data-print] button prints the page (its print style keeps
// the record and drops the menus, forms and maps).
(function () {
  "use strict";
  document.addEventListener("click", (e) => {
    const button = e.target instanceof Element ? e.target.closest("[data-print]") : null;
    if (button) window.print();
  });
})();
