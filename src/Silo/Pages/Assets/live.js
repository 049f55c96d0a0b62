// Grid's live results pages, served as /assets/live.js (the silo's Content-Security-Policy allows no inline script).
// A page names what to poll on its <body>: data-api (the JSON whose version changes with the page) and data-url (the
// page itself). Every two seconds the script asks data-api; when its version differs from the page's (data-version),
// it fetches data-url again and swaps #content in place (open sections stay open). It stops once the sweep has
// finished and the page shows it. A page without data-api (e.g. a login page) is left alone.
(function () {
  'use strict';
  const body = document.body;
  const api = body.dataset.api;
  if (!api) {
    return;
  }
  const page = body.dataset.url || location.pathname;

  async function refresh() {
    const response = await fetch(page, { cache: 'no-store' });
    if (!response.ok) {
      return;
    }
    // DOMParser runs no script of the fetched page: its content is only adopted.
    const next = new DOMParser().parseFromString(await response.text(), 'text/html');
    const content = next.getElementById('content');
    if (!content) {
      return;
    }
    const open = Array.from(document.querySelectorAll('details[open]')).map(d => d.id);
    document.getElementById('content').replaceWith(document.adoptNode(content));
    for (const id of open) {
      const d = document.getElementById(id);
      if (d) {
        d.open = true;
      }
    }
    body.dataset.version = next.body.dataset.version;
    if (next.body.dataset.state) {
      body.dataset.state = next.body.dataset.state;
    }
    body.dataset.updates = String(Number(body.dataset.updates || '0') + 1);
  }

  async function tick() {
    let finished = false;
    try {
      const response = await fetch(api, { cache: 'no-store' });
      if (response.ok) {
        const status = await response.json();
        if (String(status.version) !== body.dataset.version) {
          await refresh();
        }
        finished = status.finished === true && String(status.version) === body.dataset.version;
      }
    } catch (e) {
      // The silo may be restarting: try again on the next tick.
    }
    if (!finished) {
      setTimeout(tick, 2000);
    }
  }

  setTimeout(tick, 2000);
})();
