/* flaskr's one script, loaded with `defer`. Every page works without it; with it:
   - the error summary has focus after a failed form, and its links bring each field and its
     label into view;
   - every password field has a Show/Hide button;
   - table cells a template did not label take their column's heading for a phone;
   - times read in the reader's own time zone and language ("5 minutes ago" when recent).
   The Content-Security-Policy allows only this file: no inline script, no inline style. */
(function () {
  "use strict";

  // The page's words for the Show/Hide button, read from the page itself (templates/base.html)
  // so they are translated with it.
  var words = document.documentElement.dataset;

  function focusErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (!summary) return;
    // `autofocus` already did it in most browsers; older ones need this.
    if (document.activeElement !== summary) summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      // The label sits above the field: scroll it into view too, then focus without jumping.
      var label = document.querySelector("label[for='" + field.id + "']");
      (label || field).scrollIntoView();
      field.focus({ preventScroll: true });
    });
  }

  function addPasswordToggles() {
    var fields = document.querySelectorAll("input[type=password]");
    Array.prototype.forEach.call(fields, function (field) {
      var wrap = document.createElement("div");
      wrap.className = "reveal";
      field.parentNode.insertBefore(wrap, field);
      wrap.appendChild(field);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.setAttribute("aria-controls", field.id);
      button.setAttribute("aria-pressed", "false");
      wrap.appendChild(button);
      function show(visible) {
        field.type = visible ? "text" : "password";
        button.setAttribute("aria-pressed", String(visible));
        button.textContent = visible ? words.hide || "Hide" : words.show || "Show";
        var hidden = document.createElement("span");
        hidden.className = "visually-hidden";
        hidden.textContent = " " + (words.password || "password");
        button.appendChild(hidden);
      }
      show(false);
      button.addEventListener("click", function () {
        show(field.type === "password");
      });
      // Never send or leave a password on show: browsers would keep it as plain text.
      if (field.form) {
        field.form.addEventListener("submit", function () {
          show(false);
        });
      }
    });
  }

  function labelTableCells() {
    // On a phone a row stacks into a card, each cell under its column's heading (its
    // data-label). Cells the template did not label take the heading's text here.
    Array.prototype.forEach.call(document.querySelectorAll("main table"), function (table) {
      var heads = table.querySelectorAll("thead th");
      Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (row) {
        Array.prototype.forEach.call(row.children, function (cell, i) {
          var head = heads[i];
          // A heading only screen readers hear ("Action") labels nothing on screen.
          if (!head || cell.hasAttribute("data-label") || head.querySelector(".visually-hidden")) return;
          cell.setAttribute("data-label", head.textContent.trim());
        });
      });
    });
  }

  function readerLocale() {
    // The reader's own preference, when it is in the page's language (en-GB for an "en" page).
    var page = document.documentElement.lang || "en";
    var wanted = navigator.languages || [navigator.language];
    for (var i = 0; i < wanted.length; i++) {
      if (wanted[i] && wanted[i].split("-")[0] === page.split("-")[0]) return wanted[i];
    }
    return page;
  }

  function localTimes() {
    if (!window.Intl || !Intl.DateTimeFormat) return;
    var locale = readerLocale();
    var absolute = new Intl.DateTimeFormat(locale, {
      day: "numeric", month: "long", year: "numeric", hour: "numeric", minute: "2-digit",
    });
    var relative = Intl.RelativeTimeFormat
      ? new Intl.RelativeTimeFormat(locale, { numeric: "auto" })
      : null;
    var now = Date.now();
    var times = document.querySelectorAll("time[datetime]");
    Array.prototype.forEach.call(times, function (time) {
      var at = new Date(time.getAttribute("datetime"));
      if (isNaN(at)) return;
      var full = absolute.format(at);
      var seconds = Math.round((now - at.getTime()) / 1000);
      // Clocks differ a little: a time just "ahead" of this one is now.
      if (relative && seconds > -120 && seconds < 86400) {
        time.title = full;
        if (seconds < 60) time.textContent = relative.format(0, "second");
        else if (seconds < 3600) time.textContent = relative.format(-Math.floor(seconds / 60), "minute");
        else time.textContent = relative.format(-Math.floor(seconds / 3600), "hour");
      } else {
        time.textContent = full;
      }
    });
  }

  focusErrorSummary();
  addPasswordToggles();
  labelTableCells();
  localTimes();
})();
