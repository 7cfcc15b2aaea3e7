// Chat widget: sends messages with fetch and reloads the conversation
// whenever the server reports a change on the person's tickets.
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root) return;
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var text = document.getElementById("chat-text");
  var info = document.getElementById("chat-ticket");
  var errBox = document.getElementById("chat-error");
  var csrf = root.dataset.csrf;

  function showError(msg) {
    errBox.textContent = msg;
    errBox.hidden = !msg;
  }

  function render(conv) {
    log.textContent = "";
    conv.lines.forEach(function (l) {
      var li = document.createElement("li");
      li.className = l.mine ? "mine" : "desk";
      var who = document.createElement("strong");
      who.textContent = l.who + ":";
      var span = document.createElement("span");
      span.className = "text";
      span.textContent = l.text;
      li.appendChild(who);
      li.appendChild(document.createTextNode(" "));
      li.appendChild(span);
      log.appendChild(li);
    });
    if (conv.number) info.textContent = "Your chat is ticket " + conv.number + " (" + conv.state + ").";
    if (log.lastElementChild) log.lastElementChild.scrollIntoView({ block: "nearest" });
  }

  function load() {
    return fetch("/chat/messages", { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("The chat could not be loaded (" + r.status + "). Reload the page.");
      return r.json();
    }).then(render).catch(function (e) { showError(e.message); });
  }

  function clientID() {
    var b = new Uint8Array(12);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }

  var pending = null; // the message being sent, resent with the same id on retry
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var body = text.value.trim();
    if (!body) { showError("Type a message before sending."); text.focus(); return; }
    if (!pending || pending.text !== body) pending = { client_id: clientID(), text: body };
    fetch("/chat/messages", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(pending)
    }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error((j.error && j.error.message) || "Sending failed; press Send to try again.");
      });
    }).then(function () {
      pending = null;
      text.value = "";
      showError("");
      return load();
    }).catch(function (e) { showError(e.message + " Your message is still in the box; press Send to try again."); });
  });

  text.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit();
    }
  });

  if (window.EventSource) {
    var es = new EventSource("/events");
    var timer = null;
    es.addEventListener("ticket", function () {
      if (timer) return;
      timer = setTimeout(function () { timer = null; load(); }, 150);
    });
    es.addEventListener("open", load);
  }
  load();
})();
