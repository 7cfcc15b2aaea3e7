// Embeds the socialdesk chat widget: add
//   <script src="https://desk.example.com/chat/embed.js" defer></script>
// to a page; it appends an iframe showing /chat/widget from the same desk.
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me) return;
  var origin = new URL(me.src).origin;
  var frame = document.createElement("iframe");
  frame.src = origin + "/chat/widget";
  frame.title = "Chat with the service desk";
  frame.className = "socialdesk-chat";
  frame.width = "380";
  frame.height = "560";
  (me.parentNode || document.body).appendChild(frame);
})();
