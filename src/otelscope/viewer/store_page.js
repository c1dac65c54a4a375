// The store page (`otelscope view`): the list of traces, its filters and
// sessions, and the waterfall of the selected trace, drawn by waterfall.js
// (which runs just before this file). The list reads #store-data; a trace's
// waterfall is in its own block, #trace-data-N, parsed when first needed, so
// opening the page does not wait for the spans of every trace.
(function () {
  "use strict";

  var W = otelscopeWaterfall;
  var element = W.element;
  var data = JSON.parse(document.getElementById("store-data").textContent);
  var view = W.create(document.getElementById("details"));
  var list = document.getElementById("list");
  var main = document.getElementById("traces");
  var inputs = {
    search: document.getElementById("search"),
    agent: document.getElementById("filter-agent"),
    model: document.getElementById("filter-model"),
    status: document.getElementById("filter-status"),
    conversation: document.getElementById("filter-conversation"),
    from: document.getElementById("filter-from"),
    to: document.getElementById("filter-to")
  };
  var keysHelp = document.getElementById("keys");
  var keysToggle = document.getElementById("keys-toggle");
  // [heading, class of the cells, the cell's text from a trace's entry].
  var COLUMNS = [
    ["Start (UTC)", "time", function (entry) { return entry.startText; }],
    ["Service", "service", function (entry) { return entry.service; }],
    ["Root span", "root", function (entry) { return entry.root; }],
    ["Duration", "number", function (entry) { return entry.durationText; }],
    ["Agents", "agents", function (entry) { return entry.agents.join(", "); }],
    ["Model calls", "number", function (entry) { return String(entry.modelCalls); }],
    ["Tokens in / out", "number", function (entry) {
      return entry.inputTokens + " / " + entry.outputTokens;
    }],
    ["Cost", "number cost", function (entry) { return entry.costText || "\u2013"; }],
    ["Errors", "number errors", function (entry) { return String(entry.errorCount); }]
  ];
  // "2025-11-28", "2025-11-28 08:00", "2025-11-28T08:00:05", always UTC.
  var TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?\s*(?:z|utc)?$/i;

  var mode = "traces";
  var selected = -1; // the position of the trace shown, -1 for none
  var listRows = []; // the list's rows in page order: {position, node}
  var cursor = -1; // the index in listRows of the selected row
  var views = {}; // position -> the trace's waterfall data, once parsed
  var searchTexts = null; // position -> its span names and attributes, lowercased

  function traceView(position) {
    if (!views[position]) {
      var block = document.getElementById("trace-data-" + position);
      views[position] = JSON.parse(block.textContent);
    }
    return views[position];
  }

  // What the search looks in: the trace id, then each span's name and its
  // attributes as "key=value" lines. Built on the first search, not on load.
  function searchText(position) {
    if (searchTexts === null) {
      searchTexts = {};
    }
    if (searchTexts[position] === undefined) {
      var lines = [data.traces[position].traceId];
      traceView(position).rows.forEach(function (row) {
        lines.push(row.label, row.span.name);
        Object.keys(row.span.attributes).forEach(function (key) {
          lines.push(key + "=" + W.displayValue(row.span.attributes[key]));
        });
      });
      searchTexts[position] = lines.join("\n").toLowerCase();
    }
    return searchTexts[position];
  }

  // A time box's value as Unix milliseconds; null when empty, NaN when unreadable.
  function parseTime(text) {
    var value = text.trim();
    if (!value) {
      return null;
    }
    var match = TIME.exec(value);
    if (!match) {
      return NaN;
    }
    var parts = match.slice(1).map(function (part) {
      return part === undefined ? 0 : Number(part);
    });
    return Date.UTC(parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5]);
  }

  function readFilters() {
    var filters = {
      text: inputs.search.value.trim().toLowerCase(),
      agent: inputs.agent.value,
      model: inputs.model.value,
      status: inputs.status.value,
      conversation: inputs.conversation.value,
      from: parseTime(inputs.from.value),
      to: parseTime(inputs.to.value)
    };
    // An unreadable time filters nothing, and says so.
    ["from", "to"].forEach(function (name) {
      var unreadable = Number.isNaN(filters[name]);
      inputs[name].setAttribute("aria-invalid", unreadable ? "true" : "false");
      if (unreadable) {
        filters[name] = null;
      }
    });
    return filters;
  }

  function matches(entry, filters) {
    if (filters.agent && entry.agents.indexOf(filters.agent) === -1) {
      return false;
    }
    if (filters.model && entry.models.indexOf(filters.model) === -1) {
      return false;
    }
    if (filters.status === "ok" && entry.errorCount > 0) {
      return false;
    }
    if (filters.status === "error" && entry.errorCount === 0) {
      return false;
    }
    if (filters.conversation && entry.conversations.indexOf(filters.conversation) === -1) {
      return false;
    }
    if (filters.from !== null && entry.startMs < filters.from) {
      return false;
    }
    if (filters.to !== null && entry.startMs >= filters.to) {
      return false;
    }
    return !filters.text || searchText(entry.position).indexOf(filters.text) !== -1;
  }

  function renderHeader() {
    document.getElementById("page-title").textContent = W.visible(data.title);
    var shown = data.traces.length;
    var parts = [
      shown === data.total
        ? W.plural(shown, "trace")
        : "the " + shown + " newest of " + data.total + " traces",
      W.plural(data.sessions.length, "session"),
      W.plural(data.spanCount, "span"),
      W.plural(data.errorCount, "error")
    ];
    if (data.costText) {
      parts.push("cost " + data.costText);
    }
    var summary = document.getElementById("page-summary");
    summary.appendChild(element("span", "store-figures", parts.join(" \u00b7 ")));
    summary.appendChild(element("span", "store-source", data.source));
    W.renderLegend(document.getElementById("legend"));
  }

  function fillChoices(select, values) {
    values.forEach(function (value) {
      var option = element("option", null, value);
      option.value = value;
      select.appendChild(option);
    });
  }

  function headRow() {
    var head = element("thead");
    var row = element("tr");
    COLUMNS.forEach(function (column) {
      var cell = element("th", column[1], column[0]);
      cell.scope = "col";
      row.appendChild(cell);
    });
    head.appendChild(row);
    return head;
  }

  function traceRow(entry, turn) {
    var row = element("tr", "trace-row" + (entry.errorCount > 0 ? " has-errors" : ""));
    row.dataset.position = String(entry.position);
    row.dataset.traceId = entry.traceId;
    row.tabIndex = -1;
    COLUMNS.forEach(function (column) {
      var cell = element("td", column[1]);
      if (column[1] === "root" && turn) {
        cell.appendChild(element("span", "turn", turn));
      }
      cell.appendChild(element("span", "cell-text", column[2](entry)));
      row.appendChild(cell);
    });
    row.title = "trace " + entry.traceId;
    var index = listRows.length;
    row.addEventListener("click", function () {
      selectRow(index, false);
    });
    row.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        selectRow(index, true);
      }
    });
    listRows.push({position: entry.position, node: row});
    return row;
  }

  function sessionHead(session, shownTurns) {
    var row = element("tr", "session-row");
    row.dataset.conversation = session.id;
    var cell = element("th", null);
    cell.colSpan = COLUMNS.length;
    cell.scope = "rowgroup";
    cell.appendChild(element("span", "session-id", session.id));
    var facts = [
      W.plural(session.turns.length, "turn") +
        (shownTurns < session.turns.length ? " (" + shownTurns + " shown)" : ""),
      session.startText + " \u2013 " + session.lastStartText
    ];
    if (session.agents.length) {
      facts.push(session.agents.join(", "));
    }
    facts.push(
      W.plural(session.modelCalls, "model call"),
      session.inputTokens + " / " + session.outputTokens + " tokens"
    );
    if (session.costText) {
      facts.push("cost " + session.costText);
    }
    if (session.errorCount) {
      facts.push(W.plural(session.errorCount, "error"));
    }
    cell.appendChild(element("span", "session-facts", facts.join(" \u00b7 ")));
    row.appendChild(cell);
    return row;
  }

  function renderList() {
    var filters = readFilters();
    var table = element("table", "traces-table");
    table.appendChild(headRow());
    listRows = [];
    var count;
    if (mode === "traces") {
      var body = element("tbody");
      data.traces.forEach(function (entry) {
        if (matches(entry, filters)) {
          body.appendChild(traceRow(entry, null));
        }
      });
      table.appendChild(body);
      count = listRows.length + " of " + W.plural(data.traces.length, "trace");
    } else {
      var sessionCount = renderSessions(table, filters);
      count = W.plural(sessionCount, "session") + ", " + W.plural(listRows.length, "trace");
    }
    if (listRows.length === 0) {
      var none = element("tbody");
      var row = element("tr", "no-match");
      var cell = element("td", null, "No trace matches these filters.");
      cell.colSpan = COLUMNS.length;
      row.appendChild(cell);
      none.appendChild(row);
      table.appendChild(none);
    }
    document.getElementById("match-count").textContent = count;
    list.replaceChildren(table);
    // The trace shown stays selected if the list still has it.
    cursor = -1;
    listRows.forEach(function (listRow, index) {
      if (cursor === -1 && listRow.position === selected) {
        cursor = index;
      }
    });
    markSelection();
  }

  // Each conversation's turns, oldest first, under a row that sums it up;
  // then the traces that carry no conversation id. Returns how many sessions.
  function renderSessions(table, filters) {
    var sessionCount = 0;
    data.sessions.forEach(function (session) {
      var turns = [];
      session.turns.forEach(function (position, index) {
        if (matches(data.traces[position], filters)) {
          turns.push([position, index]);
        }
      });
      if (turns.length === 0) {
        return;
      }
      sessionCount += 1;
      var body = element("tbody", "session");
      body.appendChild(sessionHead(session, turns.length));
      turns.forEach(function (turn) {
        var label = "turn " + (turn[1] + 1) + " of " + session.turns.length;
        body.appendChild(traceRow(data.traces[turn[0]], label));
      });
      table.appendChild(body);
    });
    var loose = element("tbody", "session no-session");
    var head = element("tr", "session-row");
    var cell = element("th", null, "No conversation id");
    cell.colSpan = COLUMNS.length;
    head.appendChild(cell);
    loose.appendChild(head);
    data.traces.forEach(function (entry) {
      if (entry.conversations.length === 0 && matches(entry, filters)) {
        loose.appendChild(traceRow(entry, null));
      }
    });
    if (loose.children.length > 1) {
      table.appendChild(loose);
    }
    return sessionCount;
  }

  // The selected trace's rows are marked (a trace in two conversations has
  // two), and the list's one tab stop is the cursor's row.
  function markSelection() {
    listRows.forEach(function (listRow, index) {
      listRow.node.classList.toggle("selected", listRow.position === selected);
      listRow.node.setAttribute("aria-selected", listRow.position === selected ? "true" : "false");
      listRow.node.tabIndex = index === Math.max(cursor, 0) ? 0 : -1;
    });
  }

  function selectRow(index, focus) {
    cursor = index;
    var listRow = listRows[index];
    showTrace(listRow.position);
    markSelection();
    if (focus) {
      listRow.node.focus({preventScroll: true});
    }
    listRow.node.scrollIntoView({block: "nearest"});
  }

  function step(delta) {
    if (listRows.length === 0) {
      return;
    }
    var next = cursor === -1 ? 0 : Math.min(listRows.length - 1, Math.max(0, cursor + delta));
    selectRow(next, true);
  }

  function showTrace(position) {
    if (position === selected && main.firstChild) {
      return;
    }
    selected = position;
    view.closeDetails();
    var entry = data.traces[position];
    var section = view.renderTrace(traceView(position));
    var header = section.querySelector(".trace-header");
    entry.conversations.forEach(function (conversation) {
      header.appendChild(sessionLink(conversation, position));
    });
    main.replaceChildren(section);
    try {
      // The trace id in the address, so a reload (or a copied link) shows it again.
      history.replaceState(null, "", "#" + entry.traceId);
    } catch (ignored) {
      // Some browsers refuse this for pages opened from disk; the page works without it.
    }
  }

  // "conversation chat-42, turn 2 of 3", with a button that lists its turns.
  function sessionLink(conversation, position) {
    var line = element("div", "trace-session");
    line.dataset.conversation = conversation;
    var session = data.sessions.filter(function (candidate) {
      return candidate.id === conversation;
    })[0];
    var turn = session.turns.indexOf(position) + 1;
    line.appendChild(element(
      "span",
      null,
      "conversation " + conversation + " \u00b7 turn " + turn + " of " + session.turns.length
    ));
    var button = element("button", "show-session", "Show its turns");
    button.type = "button";
    button.addEventListener("click", function () {
      inputs.conversation.value = conversation;
      setMode("sessions");
    });
    line.appendChild(button);
    return line;
  }

  function setMode(next) {
    mode = next;
    document.getElementById("view-traces").setAttribute("aria-pressed", String(mode === "traces"));
    document.getElementById("view-sessions").setAttribute(
      "aria-pressed", String(mode === "sessions")
    );
    document.body.dataset.mode = mode;
    renderList();
  }

  function clearFilters() {
    Object.keys(inputs).forEach(function (name) {
      inputs[name].value = "";
    });
    renderList();
  }

  function toggleKeys(show) {
    keysHelp.hidden = !show;
    keysToggle.setAttribute("aria-expanded", String(show));
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA";
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var key = event.key;
    if (typing(event.target)) {
      // Keys type into a box; Escape leaves it for the list's keys, and
      // Enter goes to the list's first match.
      if (key === "Escape") {
        event.target.blur();
      } else if (key === "Enter" && event.target.tagName === "INPUT") {
        event.preventDefault();
        event.target.blur();
        step(0);
      }
      return;
    }
    var inWaterfall = event.target.classList && event.target.classList.contains("row");
    if (key === "j" || (key === "ArrowDown" && !inWaterfall)) {
      step(1);
    } else if (key === "k" || (key === "ArrowUp" && !inWaterfall)) {
      step(-1);
    } else if (key === "n" || key === "ArrowDown") {
      view.stepSpan(1);
    } else if (key === "p" || key === "ArrowUp") {
      view.stepSpan(-1);
    } else if (key === "s") {
      setMode(mode === "traces" ? "sessions" : "traces");
    } else if (key === "/") {
      inputs.search.focus();
    } else if (key === "?") {
      toggleKeys(keysHelp.hidden);
    } else if (key === "Escape") {
      if (!keysHelp.hidden) {
        toggleKeys(false);
      } else {
        view.closeDetails();
      }
    } else {
      return;
    }
    event.preventDefault();
  }

  function wire() {
    fillChoices(inputs.agent, data.agents);
    fillChoices(inputs.model, data.models);
    fillChoices(inputs.conversation, data.conversations);
    Object.keys(inputs).forEach(function (name) {
      inputs[name].addEventListener("input", renderList);
      inputs[name].addEventListener("change", renderList);
    });
    // The filters apply as they change: the form is never sent anywhere.
    document.getElementById("filters").addEventListener("submit", function (event) {
      event.preventDefault();
    });
    document.getElementById("filter-clear").addEventListener("click", clearFilters);
    document.getElementById("view-traces").addEventListener("click", function () {
      setMode("traces");
    });
    document.getElementById("view-sessions").addEventListener("click", function () {
      setMode("sessions");
    });
    keysToggle.addEventListener("click", function () {
      toggleKeys(keysHelp.hidden);
    });
    document.addEventListener("keydown", onKey);
  }

  function render() {
    renderHeader();
    wire();
    setMode("traces");
    if (listRows.length === 0) {
      main.appendChild(element("p", "empty", "No traces."));
    } else {
      // The trace the address names (see showTrace), else the newest.
      var wanted = location.hash.slice(1);
      var index = 0;
      listRows.forEach(function (listRow, candidate) {
        if (data.traces[listRow.position].traceId === wanted) {
          index = candidate;
        }
      });
      selectRow(index, false);
    }
    // Tests and scripts wait for this before reading the page.
    document.body.dataset.rendered = "true";
  }

  render();
})();
