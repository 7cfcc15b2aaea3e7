// socialdesk pages work without this script; it adds live updates, keyboard
// shortcuts for the queue, suggestions while a ticket is written, and a
// "working" message on forms that take a while.
(function () {
  "use strict";

  // Live updates: the server sends a hint whenever a ticket changes; the
  // queue reloads its rows, and a ticket page offers to reload.
  function live() {
    if (!document.body.dataset.live || !window.EventSource) return;
    var es = new EventSource("/events");
    // Close the stream when leaving the page, so open streams from pages
    // left behind do not use up the browser's connections to the server.
    window.addEventListener("pagehide", function () { es.close(); });
    var rows = document.getElementById("queue-rows");
    var pending = null;
    es.addEventListener("ticket", function (e) {
      var change = JSON.parse(e.data);
      document.querySelectorAll("[data-refresh]").forEach(function (el) { refreshSoon(el); });
      if (rows) {
        if (pending) return;
        pending = setTimeout(function () {
          pending = null;
          fetch(rows.dataset.src, { credentials: "same-origin" }).then(function (r) {
            return r.ok ? r.text() : null;
          }).then(function (html) {
            if (html === null) return;
            var checked = Array.prototype.map.call(rows.querySelectorAll("input:checked"), function (i) { return i.value; });
            rows.innerHTML = html;
            checked.forEach(function (v) {
              var box = rows.querySelector('input[value="' + v + '"]');
              if (box) box.checked = true;
            });
          });
        }, 300);
        return;
      }
      var m = location.pathname.match(/^\/tickets\/(\d+)$/);
      if (m && String(change.ticket_id) === m[1] && change.kind === "message") {
        appendNewMessages();
        return;
      }
      if (m && String(change.ticket_id) === m[1] && !document.getElementById("live-note")) {
        var note = document.createElement("p");
        note.id = "live-note";
        note.className = "flash";
        note.setAttribute("role", "status");
        var a = document.createElement("a");
        a.href = location.pathname;
        a.textContent = "This ticket changed. Reload to see the latest.";
        note.appendChild(a);
        document.getElementById("main").prepend(note);
      }
    });
  }

  // Self-refreshing regions (data-refresh: the URL of their content,
  // data-every: seconds between refreshes) reload while the page is
  // visible, and soon after a ticket changes. A region holding the keyboard
  // focus is left alone, so a button being reached is not replaced.
  function refreshRegion(el) {
    if (document.hidden || el.contains(document.activeElement)) return;
    fetch(el.dataset.refresh, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html !== null && !el.contains(document.activeElement)) el.innerHTML = html;
    }).catch(function () {});
  }
  function refreshSoon(el) {
    if (el.refreshTimer) return;
    el.refreshTimer = setTimeout(function () { el.refreshTimer = null; refreshRegion(el); }, 1000);
  }
  function refreshRegions() {
    document.querySelectorAll("[data-refresh]").forEach(function (el) {
      var every = Math.max(5, parseInt(el.dataset.every, 10) || 15) * 1000;
      setInterval(function () { refreshRegion(el); }, every);
    });
  }

  // appendNewMessages fetches the ticket page and adds the messages this
  // page does not show yet above the reply form, leaving the form (and
  // whatever the agent is typing) alone.
  function appendNewMessages() {
    var latest = document.getElementById("latest");
    if (!latest) return;
    fetch(location.pathname, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (html === null) return;
      var doc = new DOMParser().parseFromString(html, "text/html");
      doc.querySelectorAll(".thread .msg[id]").forEach(function (msg) {
        var mine = document.getElementById(msg.id);
        if (mine) {
          mine.replaceWith(document.importNode(msg, true)); // delivery state may have changed
        } else {
          latest.parentNode.insertBefore(document.importNode(msg, true), latest);
        }
      });
    });
  }

  // Queue keys: j/k move, x selects, Enter opens, / focuses search.
  function queueKeys() {
    var rows = document.getElementById("queue-rows");
    if (!rows) return;
    var cursor = -1;
    function all() { return rows.querySelectorAll("tr[data-href]"); }
    function move(d) {
      var list = all();
      if (!list.length) return;
      if (cursor >= 0 && list[cursor]) list[cursor].classList.remove("cursor");
      cursor = Math.max(0, Math.min(list.length - 1, cursor + d));
      list[cursor].classList.add("cursor");
      list[cursor].scrollIntoView({ block: "nearest" });
    }
    document.addEventListener("keydown", function (e) {
      var tag = (e.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "textarea" || tag === "select" || e.ctrlKey || e.metaKey || e.altKey) return;
      var list = all();
      if (e.key === "j") { move(1); e.preventDefault(); }
      else if (e.key === "k") { move(-1); e.preventDefault(); }
      else if (e.key === "x" && list[cursor]) { var b = list[cursor].querySelector("input[type=checkbox]"); b.checked = !b.checked; e.preventDefault(); }
      else if (e.key === "Enter" && list[cursor]) { location.href = list[cursor].dataset.href; }
      else if (e.key === "/") { var q = document.querySelector("input[name=q]"); if (q) { q.focus(); e.preventDefault(); } }
    });
  }

  // Suggestions while typing a new ticket's title.
  function suggest() {
    var input = document.querySelector("input[data-suggest]");
    var box = document.getElementById("suggestions");
    if (!input || !box) return;
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (q.length < 4) { box.innerHTML = ""; return; }
        fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : ""; })
          .then(function (html) { box.innerHTML = html; });
      }, 250);
    });
  }

  // Forms that take a while (training a model, uploading files) carry
  // data-busy with what to say while the server works. On submit the
  // message appears next to the button, in a status region that screen
  // readers announce, and a second press does not send the form again.
  // The button is marked aria-disabled rather than disabled, so that its
  // own name and value still go with the form.
  function busyForms() {
    document.addEventListener("submit", function (e) {
      var form = e.target;
      if (!form.dataset || !form.dataset.busy || e.defaultPrevented) return;
      if (form.dataset.sent) { e.preventDefault(); return; }
      form.dataset.sent = "1";
      form.setAttribute("aria-busy", "true");
      var button = e.submitter || form.querySelector("button[type=submit], button:not([type])");
      if (button) button.setAttribute("aria-disabled", "true");
      var status = form.querySelector(".busy");
      if (!status) {
        status = document.createElement("p");
        status.className = "busy hint";
        status.setAttribute("role", "status");
        form.appendChild(status);
      }
      status.textContent = form.dataset.busy;
    });
    // Coming back to a page from the browser's history shows it as it was
    // left: send-able again.
    window.addEventListener("pageshow", function (e) {
      if (!e.persisted) return;
      document.querySelectorAll("form[data-sent]").forEach(function (form) {
        delete form.dataset.sent;
        form.removeAttribute("aria-busy");
        form.querySelectorAll("[aria-disabled]").forEach(function (b) { b.removeAttribute("aria-disabled"); });
        var status = form.querySelector(".busy");
        if (status) status.textContent = "";
      });
    });
  }

  busyForms();
  document.addEventListener("DOMContentLoaded", function () { live(); refreshRegions(); queueKeys(); suggest(); });
})();

// Similar community questions while a question's title is typed.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var input = document.querySelector("input[data-similar]");
    var box = document.getElementById("similar");
    if (!input || !box) return;
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (q.length < 4) { box.innerHTML = ""; return; }
        fetch(input.dataset.similar + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : ""; })
          .then(function (html) { box.innerHTML = html; });
      }, 250);
    });
  });
})();
