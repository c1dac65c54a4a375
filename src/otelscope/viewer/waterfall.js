// The waterfall of a trace and the details panel of its spans, shared by both
// pages: the one-trace page (trace_page.js) and the store page (store_page.js)
// run after this file, in the same script element. Every value is untrusted,
// so text reaches the page only through textContent and attribute setters, and
// bidirectional controls are shown as escapes (see `visible`).
var otelscopeWaterfall = (function () {
  "use strict";

  var LEGEND = [
    ["invoke_agent", "agent"],
    ["react", "react step"],
    ["chat", "model call"],
    ["execute_tool", "tool"],
    ["embeddings", "embeddings"],
    ["invoke_workflow", "workflow"],
    ["other", "other"],
    ["error", "error"]
  ];
  // Labels sit beside a bar; past these points of the axis there is no room after it.
  var LABEL_AFTER_BAR_UNTIL = 72;
  var LABEL_BEFORE_BAR_FROM = 28;
  // Bidirectional embeddings, overrides, isolates and marks reorder the text
  // around them: a span named "\u202etxt.exe" would read "exe.txt". Shown as
  // escapes, as the terminal tree prints them, they reorder nothing.
  var BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

  function visible(text) {
    return String(text).replace(BIDI_CONTROLS, function (character) {
      return "\\u" + character.charCodeAt(0).toString(16).padStart(4, "0");
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = visible(text);
    }
    return node;
  }

  function percent(part, whole) {
    return (part / whole) * 100;
  }

  function plural(count, word) {
    return count + " " + word + (count === 1 ? "" : "s");
  }

  function renderLegend(container) {
    LEGEND.forEach(function (entry) {
      var item = element("span", "legend-item");
      item.appendChild(element("span", "swatch op-" + entry[0]));
      item.appendChild(document.createTextNode(entry[1]));
      container.appendChild(item);
    });
  }

  function displayValue(value) {
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  // A page's waterfalls and its one details panel (`details`, an <aside>).
  function create(details) {
    var selectedRow = null;
    // Every row drawn, in page order, for stepping through them with keys.
    var drawn = [];

    function renderTrace(trace) {
      var section = element("section", "trace");
      section.dataset.traceId = trace.traceId;
      var tickStep = trace.ticks.length > 1 ? trace.ticks[1].offsetNano : trace.durationNano;
      section.style.setProperty("--tick-step", percent(tickStep, trace.durationNano) + "%");

      var header = element("header", "trace-header");
      header.appendChild(element("h2", "trace-name", trace.name));
      var meta = [trace.durationText, plural(trace.spanCount, "span")];
      if (trace.errorCount > 0) {
        meta.push(plural(trace.errorCount, "error"));
      }
      if (trace.costText) {
        meta.push("cost " + trace.costText);
      }
      if (trace.services.length > 1) {
        meta.push("services " + trace.service);
      } else if (trace.service) {
        meta.push("service " + trace.service);
      }
      meta.push(trace.startText, "trace " + trace.traceId);
      header.appendChild(element("div", "trace-meta", meta.join(" \u00b7 ")));
      section.appendChild(header);

      var waterfall = element("div", "waterfall");
      waterfall.appendChild(renderAxis(trace));
      // Spans of several processes: each row says which one recorded it.
      var labelled = trace.services.length > 1;
      trace.rows.forEach(function (row) {
        waterfall.appendChild(renderRow(row, trace, labelled));
      });
      section.appendChild(waterfall);
      return section;
    }

    function renderAxis(trace) {
      var axisRow = element("div", "axis-row");
      axisRow.appendChild(element("div", "tree-head", "span"));
      var axis = element("div", "axis");
      trace.ticks.forEach(function (tick, index) {
        var label = element("span", index === 0 ? "tick first" : "tick", tick.label);
        label.style.left = percent(tick.offsetNano, trace.durationNano) + "%";
        axis.appendChild(label);
      });
      axisRow.appendChild(axis);
      return axisRow;
    }

    function renderRow(row, trace, labelled) {
      var span = row.span;
      var rowNode = element("div", "row" + (row.errorText ? " error" : ""));
      rowNode.dataset.spanId = span.span_id;
      rowNode.dataset.depth = String(row.depth);
      rowNode.dataset.service = row.service;
      rowNode.tabIndex = 0;
      rowNode.setAttribute("role", "button");
      rowNode.appendChild(renderTreeCell(row, labelled));
      rowNode.appendChild(renderTrack(row, trace));
      rowNode.addEventListener("click", function () {
        select(rowNode, row);
      });
      rowNode.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          select(rowNode, row);
        }
      });
      drawn.push({node: rowNode, row: row});
      return rowNode;
    }

    function renderTreeCell(row, labelled) {
      var cell = element("div", "tree-cell");
      cell.style.setProperty("--depth", String(row.depth));
      cell.appendChild(element("span", "swatch op-" + row.category));
      var name = element("span", "span-name", row.label);
      name.title = visible(row.label);
      cell.appendChild(name);
      if (labelled && row.service) {
        var service = element("span", "service-label", row.service);
        service.title = "service.name of the process that recorded this span";
        cell.appendChild(service);
      }
      if (row.parentMissing) {
        var orphan = element("span", "orphan", "parent missing");
        orphan.title = visible("Its parent span " + row.span.parent_span_id + " is not in this data");
        cell.appendChild(orphan);
      }
      if (row.errorText) {
        cell.appendChild(element("span", "status-badge error", "ERROR"));
      } else if (row.span.status_code === "OK") {
        cell.appendChild(element("span", "status-badge ok", "OK"));
      }
      return cell;
    }

    function renderTrack(row, trace) {
      var track = element("div", "track");
      var left = percent(row.offsetNano, trace.durationNano);
      var width = percent(row.durationNano, trace.durationNano);
      var bar = element("div", "bar op-" + row.category + (row.errorText ? " error" : ""));
      bar.dataset.spanId = row.span.span_id;
      bar.dataset.offsetNano = String(row.offsetNano);
      bar.dataset.durationNano = String(row.durationNano);
      bar.style.left = left + "%";
      bar.style.width = width + "%";
      track.appendChild(bar);
      track.appendChild(renderBarLabel(row, left, left + width));
      return track;
    }

    function renderBarLabel(row, left, right) {
      var label = element("span", "bar-label");
      label.appendChild(element("span", "duration", row.durationText));
      if (row.tokensText) {
        label.appendChild(element("span", "tokens", row.tokensText));
      }
      if (row.cost) {
        // "$0.0043" says what it is; "unknown" alone would not.
        var costText = row.cost.text.charAt(0) === "$" ? row.cost.text : "cost " + row.cost.text;
        label.appendChild(element("span", "cost", costText));
      }
      if (row.errorText) {
        label.appendChild(element("span", "error-type", row.errorText));
      }
      if (right <= LABEL_AFTER_BAR_UNTIL) {
        label.style.left = "calc(" + right + "% + 6px)";
      } else if (left >= LABEL_BEFORE_BAR_FROM) {
        label.style.right = "calc(" + (100 - left) + "% + 6px)";
      } else {
        label.classList.add("inside");
        label.style.left = "calc(" + left + "% + 6px)";
      }
      return label;
    }

    function select(rowNode, row) {
      if (selectedRow) {
        selectedRow.classList.remove("selected");
      }
      selectedRow = rowNode;
      rowNode.classList.add("selected");
      showDetails(row);
    }

    function closeDetails() {
      details.hidden = true;
      if (selectedRow) {
        selectedRow.classList.remove("selected");
        selectedRow = null;
      }
    }

    // The next (`step` 1) or previous (-1) span of those on the page, from
    // the selected one (or the first), selected and focused.
    function stepSpan(step) {
      drawn = drawn.filter(function (entry) {
        return entry.node.isConnected;
      });
      if (drawn.length === 0) {
        return;
      }
      var current = -1;
      drawn.forEach(function (entry, index) {
        if (entry.node === selectedRow) {
          current = index;
        }
      });
      var next = current === -1 ? 0 : Math.min(drawn.length - 1, Math.max(0, current + step));
      select(drawn[next].node, drawn[next].row);
      drawn[next].node.focus({preventScroll: true});
      drawn[next].node.scrollIntoView({block: "nearest"});
    }

    // Long dotted keys may wrap after a dot rather than mid-word; the text stays the key.
    function keyElement(key) {
      var term = element("dt", "kv-key");
      key.split(".").forEach(function (part, index, parts) {
        var last = index === parts.length - 1;
        term.appendChild(document.createTextNode(visible(last ? part : part + ".")));
        if (!last) {
          term.appendChild(document.createElement("wbr"));
        }
      });
      return term;
    }

    function keyValueTable(entries, className) {
      var table = element("dl", "kv " + className);
      entries.forEach(function (entry) {
        var item = element("div", "kv-item");
        item.dataset.key = entry[0];
        item.appendChild(keyElement(entry[0]));
        item.appendChild(element("dd", "kv-value", displayValue(entry[1])));
        table.appendChild(item);
      });
      return table;
    }

    function sortedEntries(object) {
      return Object.keys(object).sort().map(function (key) {
        return [key, object[key]];
      });
    }

    function detailsSection(heading, content) {
      var section = element("section", "details-section");
      section.appendChild(element("h3", null, heading));
      section.appendChild(content);
      return section;
    }

    function parentText(row) {
      if (row.span.parent_span_id === null) {
        return "none (root)";
      }
      return row.span.parent_span_id + (row.parentMissing ? " (not in this data)" : "");
    }

    function spanFacts(row) {
      var span = row.span;
      var facts = [
        ["status", span.status_code + (span.status_message ? ": " + span.status_message : "")],
        ["kind", span.kind],
        ["duration", row.durationText],
        ["start", row.startText],
        ["trace id", span.trace_id],
        ["span id", span.span_id],
        ["parent span id", parentText(row)]
      ];
      if (span.scope_name) {
        facts.push(["scope", (span.scope_name + " " + (span.scope_version || "")).trim()]);
      }
      return facts;
    }

    function renderEvents(row) {
      var list = element("div", "events");
      if (row.span.events.length === 0) {
        list.appendChild(element("p", "empty", "none"));
      }
      row.span.events.forEach(function (event, index) {
        var item = element("div", "event");
        var title = element("div", "event-title");
        title.appendChild(element("span", "event-name", event.name));
        title.appendChild(element("span", "event-offset", row.eventOffsetTexts[index]));
        item.appendChild(title);
        item.appendChild(keyValueTable(sortedEntries(event.attributes), "event-attributes"));
        list.appendChild(item);
      });
      return list;
    }

    function renderLinks(span) {
      var list = element("div", "links");
      var links = span.links || [];
      if (links.length === 0) {
        list.appendChild(element("p", "empty", "none"));
      }
      links.forEach(function (link) {
        var item = element("div", "event link");
        var title = element("div", "event-title");
        title.appendChild(element("span", "event-name", "span " + link.span_id));
        title.appendChild(element("span", "event-offset", "trace " + link.trace_id));
        item.appendChild(title);
        item.appendChild(keyValueTable(sortedEntries(link.attributes), "link-attributes"));
        list.appendChild(item);
      });
      return list;
    }

    // Captured messages, a block per message and part (laid out in Python,
    // see content.py); the JSON as recorded stays one click away.
    function renderContent(row) {
      var list = element("div", "content");
      row.content.forEach(function (section) {
        var block = element("div", "content-block");
        block.dataset.key = section.key;
        block.appendChild(element("h4", "content-title", section.title));
        if (section.messages.length === 0) {
          block.appendChild(element("p", "empty", "none"));
        }
        section.messages.forEach(function (message) {
          block.appendChild(renderMessage(message));
        });
        block.appendChild(renderRecorded(row.span.attributes[section.key]));
        list.appendChild(block);
      });
      return list;
    }

    function renderMessage(message) {
      var node = element("div", "message");
      if (message.role !== null) {
        node.dataset.role = message.role;
        node.appendChild(element("div", "message-role", message.role));
      }
      if (message.parts.length === 0) {
        node.appendChild(element("p", "empty", "no parts"));
      }
      message.parts.forEach(function (part) {
        var item = element("div", "part");
        item.dataset.kind = part.kind;
        if (part.label) {
          item.appendChild(element("div", "part-label", part.label));
        }
        if (part.text || !part.label) {
          item.appendChild(element("div", "part-text", part.text));
        }
        node.appendChild(item);
      });
      return node;
    }

    function renderRecorded(value) {
      var toggle = element("details", "content-recorded");
      toggle.appendChild(element("summary", null, "as recorded"));
      toggle.appendChild(element("pre", "recorded-text", displayValue(value)));
      return toggle;
    }

    // The attributes the Content section does not already show.
    function attributesBesideContent(row) {
      var shown = {};
      row.content.forEach(function (section) {
        shown[section.key] = true;
      });
      return sortedEntries(row.span.attributes).filter(function (entry) {
        return !Object.prototype.hasOwnProperty.call(shown, entry[0]);
      });
    }

    function showDetails(row) {
      details.replaceChildren();
      var header = element("header", "details-header");
      header.appendChild(element("span", "swatch op-" + (row.errorText ? "error" : row.category)));
      header.appendChild(element("h2", "details-name", row.label));
      var close = element("button", "details-close", "\u00d7");
      close.type = "button";
      close.title = "Close (Esc)";
      close.addEventListener("click", closeDetails);
      header.appendChild(close);
      details.appendChild(header);
      if (row.errorText) {
        details.appendChild(element("p", "details-error", row.errorText));
      }
      details.appendChild(detailsSection("Span", keyValueTable(spanFacts(row), "facts")));
      // A model call's cost and what it was computed from; an agent call's sum.
      if (row.cost) {
        details.appendChild(detailsSection("Cost", keyValueTable(row.cost.facts, "cost-facts")));
      }
      if (row.content.length > 0) {
        details.appendChild(detailsSection("Content", renderContent(row)));
      }
      details.appendChild(
        detailsSection("Attributes", keyValueTable(attributesBesideContent(row), "attributes"))
      );
      details.appendChild(detailsSection("Events", renderEvents(row)));
      details.appendChild(detailsSection("Links", renderLinks(row.span)));
      details.appendChild(
        detailsSection("Resource", keyValueTable(sortedEntries(row.span.resource), "resource"))
      );
      details.dataset.spanId = row.span.span_id;
      details.hidden = false;
      details.scrollTop = 0;
    }

    return {
      renderTrace: renderTrace,
      closeDetails: closeDetails,
      stepSpan: stepSpan,
      detailsOpen: function () {
        return !details.hidden;
      }
    };
  }

  return {
    visible: visible,
    element: element,
    plural: plural,
    displayValue: displayValue,
    renderLegend: renderLegend,
    create: create
  };
})();
