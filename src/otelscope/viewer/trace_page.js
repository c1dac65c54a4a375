// The one-trace page (`otelscope show --html`, the demo's page): every trace
// embedded in #waterfall-data drawn one under the other, newest first. The
// drawing is waterfall.js's, which runs just before this file.
(function () {
  "use strict";

  var W = otelscopeWaterfall;
  var data = JSON.parse(document.getElementById("waterfall-data").textContent);
  var view = W.create(document.getElementById("details"));

  function renderHeader() {
    document.getElementById("page-title").textContent = W.visible(data.title);
    var spanCount = 0;
    var errorCount = 0;
    data.traces.forEach(function (trace) {
      spanCount += trace.spanCount;
      errorCount += trace.errorCount;
    });
    var summary = W.plural(data.traces.length, "trace") + " \u00b7 " + W.plural(spanCount, "span");
    if (errorCount > 0) {
      summary += " \u00b7 " + W.plural(errorCount, "error");
    }
    document.getElementById("page-summary").textContent = summary;
    W.renderLegend(document.getElementById("legend"));
  }

  function render() {
    renderHeader();
    var main = document.getElementById("traces");
    if (data.traces.length === 0) {
      main.appendChild(W.element("p", "empty", "No spans."));
    }
    data.traces.forEach(function (trace) {
      main.appendChild(view.renderTrace(trace));
    });
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) {
        return;
      }
      if (event.key === "Escape") {
        view.closeDetails();
      } else if (event.key === "n" || event.key === "p") {
        // The next or previous span, as on the store page.
        event.preventDefault();
        view.stepSpan(event.key === "n" ? 1 : -1);
      }
    });
    // Tests and scripts wait for this before reading the page.
    document.body.dataset.rendered = "true";
  }

  render();
})();
