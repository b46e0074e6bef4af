// Offline drafts for the grid worker's forms (any <form data-offline-form>).
//
// - As the user types, the form's text fields are kept in localStorage (its draft) and put
//   back when the page is opened again. File inputs cannot be filled by a script, so a draft
//   keeps the text only.
// - On submit the form is sent with fetch. When the browser is offline or the request fails,
//   the whole form — photos included, as Blobs — goes into an outbox in IndexedDB and is sent
//   when the network is back (the `online` event, every 30 s while something waits, and on the
//   next page load). Without IndexedDB the outbox falls back to localStorage with the text
//   only, and says so ("add the photo again").
// - No double submission: every form carries a hidden client_key, which the server stores
//   with the record (fieldwork.offline.once): a second send of the same key stores nothing.
//   The server answers a stored form with JSON {stored, url} and the header X-Stored, so a
//   login page reached through a redirect is never taken for success.
// - A form the server refuses (4xx: a mistake in it) leaves the outbox and becomes the draft
//   of its page again, to be corrected there.
(function () {
  "use strict";

  const DRAFT = "wangge:draft:";
  const FALLBACK = "wangge:outbox";
  const DB_NAME = "wangge-offline";
  const STORE = "outbox";
  const RETRY_MS = 30000;
  const status = document.getElementById("offline-status");
  const SKIP = new Set(["csrfmiddlewaretoken"]);

  // -- the status line -------------------------------------------------------------------
  function say(kind, extra) {
    if (!status) return;
    const text = status.dataset[kind] || kind;
    status.textContent = extra ? text + " " + extra : text;
    status.dataset.state = kind;
    status.hidden = false;
  }

  // -- drafts (text only) ------------------------------------------------------------------
  function formKey(form) {
    const forms = Array.from(document.querySelectorAll("form[data-offline-form]"));
    return location.pathname + "#" + (form.id || "form" + forms.indexOf(form));
  }

  function textFields(form) {
    const out = [];
    for (const [name, value] of new FormData(form)) {
      if (SKIP.has(name) || typeof value !== "string") continue;
      out.push([name, value]);
    }
    return out;
  }

  function saveDraft(form) {
    try {
      localStorage.setItem(
        DRAFT + formKey(form),
        JSON.stringify({ at: Date.now(), fields: textFields(form) })
      );
    } catch (e) {
      /* storage full or denied: the form still works online */
    }
  }

  function clearDraft(form) {
    localStorage.removeItem(DRAFT + formKey(form));
  }

  function fill(form, fields) {
    const values = new Map();
    for (const [name, value] of fields) {
      if (!values.has(name)) values.set(name, []);
      values.get(name).push(value);
    }
    let changed = false;
    for (const [name, list] of values) {
      for (const el of form.querySelectorAll("[name]")) {
        if (el.name !== name || el.type === "file" || SKIP.has(name)) continue;
        if (el.type === "checkbox" || el.type === "radio") {
          const on = list.includes(el.value);
          if (el.checked !== on) changed = true;
          el.checked = on;
        } else if (el.tagName === "SELECT" && el.multiple) {
          for (const o of el.options) o.selected = list.includes(o.value);
        } else {
          if (el.value !== list[0]) changed = changed || el.type !== "hidden";
          el.value = list[0];
        }
      }
    }
    // Unchecked boxes send nothing: a box checked by default but cleared in the draft.
    for (const el of form.querySelectorAll("input[type=checkbox][name]")) {
      if (!values.has(el.name) && el.checked) {
        el.checked = false;
        changed = true;
      }
    }
    return changed;
  }

  function restoreDraft(form) {
    const raw = localStorage.getItem(DRAFT + formKey(form));
    if (!raw) return;
    try {
      if (fill(form, JSON.parse(raw).fields || [])) say("restored");
    } catch (e) {
      localStorage.removeItem(DRAFT + formKey(form));
    }
  }

  // -- the outbox --------------------------------------------------------------------------
  let dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        if (!window.indexedDB) return reject(new Error("no IndexedDB"));
        const req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "key" });
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    }
    return dbPromise;
  }

  function idb(mode, work) {
    return db().then(
      (d) =>
        new Promise((resolve, reject) => {
          const tx = d.transaction(STORE, mode);
          const req = work(tx.objectStore(STORE));
          tx.oncomplete = () => resolve(req ? req.result : undefined);
          tx.onerror = () => reject(tx.error);
        })
    );
  }

  function fallbackList() {
    try {
      return JSON.parse(localStorage.getItem(FALLBACK) || "[]");
    } catch (e) {
      return [];
    }
  }

  const outbox = {
    put(entry) {
      return idb("readwrite", (s) => s.put(entry)).catch(() => {
        const list = fallbackList().filter((e) => e.key !== entry.key);
        const dropped = entry.fields.some(([, v]) => typeof v !== "string");
        entry.fields = entry.fields.filter(([, v]) => typeof v === "string");
        list.push(entry);
        localStorage.setItem(FALLBACK, JSON.stringify(list));
        if (dropped) entry.photoDropped = true;
      });
    },
    all() {
      return idb("readonly", (s) => s.getAll())
        .catch(() => [])
        .then((list) => list.concat(fallbackList()));
    },
    remove(key) {
      localStorage.setItem(FALLBACK, JSON.stringify(fallbackList().filter((e) => e.key !== key)));
      return idb("readwrite", (s) => s.delete(key)).catch(() => undefined);
    },
  };

  function formData(form, submitter) {
    // The pressed button's name=value is part of what the browser would send.
    try {
      return new FormData(form, submitter || undefined);
    } catch (e) {
      return new FormData(form);
    }
  }

  function snapshot(form, submitter) {
    const fields = [];
    for (const [name, value] of formData(form, submitter)) {
      if (SKIP.has(name)) continue;
      if (typeof value === "string") fields.push([name, value]);
      else if (value.size > 0) fields.push([name, { file: value, name: value.name, type: value.type }]);
    }
    const keyInput = form.querySelector("input[name=client_key]");
    return {
      key: (keyInput && keyInput.value) || "k-" + Date.now() + "-" + Math.random().toString(36).slice(2),
      // getAttribute: a field named "action" would shadow form.action.
      url: new URL(form.getAttribute("action") || "", location.href).href,
      form: formKey(form),
      fields: fields,
      at: Date.now(),
    };
  }

  function csrfToken() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // One send: "sent" (with the result's url), "refused" (with the page), "login" or "retry".
  async function send(entry) {
    const body = new FormData();
    for (const [name, value] of entry.fields) {
      if (value && typeof value === "object") body.append(name, value.file, value.name || "photo");
      else body.append(name, value);
    }
    const token = csrfToken();
    body.append("csrfmiddlewaretoken", token);
    let resp;
    try {
      resp = await fetch(entry.url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-Offline-Form": "1", "X-CSRFToken": token },
      });
    } catch (e) {
      return { state: "retry" };
    }
    if (resp.headers.get("X-Stored") === "1") {
      const data = await resp.json().catch(() => ({}));
      return { state: "sent", url: data.url || "" };
    }
    if (resp.status >= 400 && resp.status < 500 && ![401, 408, 429].includes(resp.status)) {
      return { state: "refused", html: await resp.text() };
    }
    if (resp.ok || resp.status === 401) return { state: "login" };
    return { state: "retry" };
  }

  // -- sending what waits ------------------------------------------------------------------
  let flushing = false;
  async function flushNow() {
    const list = await outbox.all();
    if (!list.length) return 0;
    say("sending");
    let left = list.length;
    for (const entry of list.sort((a, b) => a.at - b.at)) {
      const result = await send(entry);
      if (result.state === "sent") {
        await outbox.remove(entry.key);
        left -= 1;
      } else if (result.state === "refused") {
        // Back to the page's draft, to be corrected there.
        const texts = entry.fields.filter(([, v]) => typeof v === "string");
        localStorage.setItem(DRAFT + entry.form, JSON.stringify({ at: entry.at, fields: texts }));
        await outbox.remove(entry.key);
        left -= 1;
        say("failed");
        return left;
      } else {
        say(result.state === "login" ? "login" : "queued", waitingNote(left));
        return left;
      }
    }
    say("sent");
    return 0;
  }

  function flush() {
    if (flushing || !navigator.onLine) return Promise.resolve();
    flushing = true;
    const run = () => flushNow().finally(() => (flushing = false));
    // One tab at a time sends the outbox (the server would refuse doubles anyway).
    if (navigator.locks) return navigator.locks.request("wangge-outbox", run);
    return run();
  }

  function waitingNote(n) {
    return n ? (status ? status.dataset.waiting : "") + " " + n : "";
  }

  async function queue(form, entry) {
    await outbox.put(entry);
    clearDraft(form);
    form.reset();
    // A fresh key: the next record filled in this form is a new one, not a repeat.
    const keyInput = form.querySelector("input[name=client_key]");
    if (keyInput) keyInput.value = "q-" + Date.now() + "-" + Math.random().toString(36).slice(2);
    const waiting = (await outbox.all()).length;
    say(entry.photoDropped ? "nophoto" : "queued", waitingNote(waiting));
  }

  function showRefused(html) {
    // The server's page with its error messages, in place of this one's main part.
    const doc = new DOMParser().parseFromString(html, "text/html");
    const main = doc.querySelector("main");
    const here = document.querySelector("main");
    if (main && here) {
      here.innerHTML = main.innerHTML;
      setup();
      window.dispatchEvent(new Event("wangge:page"));
    }
  }

  async function onSubmit(e) {
    const form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-offline-form")) return;
    e.preventDefault();
    if (form.dataset.busy) return;
    form.dataset.busy = "1";
    try {
      saveDraft(form);
      const entry = snapshot(form, e.submitter);
      if (!navigator.onLine) return await queue(form, entry);
      const result = await send(entry);
      if (result.state === "sent") {
        clearDraft(form);
        say("sent");
        location.assign(result.url || location.href);
      } else if (result.state === "refused") {
        showRefused(result.html);
      } else {
        await queue(form, entry);
        if (result.state === "login") say("login");
      }
    } finally {
      delete form.dataset.busy;
    }
  }

  function setup() {
    for (const form of document.querySelectorAll("form[data-offline-form]")) {
      if (form.dataset.draftReady) continue;
      form.dataset.draftReady = "1";
      restoreDraft(form);
      form.addEventListener("input", () => saveDraft(form));
      form.addEventListener("change", () => saveDraft(form));
    }
  }

  document.addEventListener("submit", onSubmit);
  window.addEventListener("online", () => flush());
  window.addEventListener("offline", () => outbox.all().then((l) => l.length && say("queued", waitingNote(l.length))));
  setInterval(() => outbox.all().then((l) => l.length && flush()), RETRY_MS);
  setup();
  flush();

  // For the browser tests and the curious: how many forms wait, and send them now.
  window.wanggeDrafts = {
    pending: () => outbox.all().then((l) => l.length),
    flush: flush,
  };
})();
