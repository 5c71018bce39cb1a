// Pure Prometheus helpers: PromQL escaping, the `up` verdict table, and the exposition parser.
import { strict as assert } from "node:assert";
import { combineParts } from "../../verification/checks/monitoring";
import { evaluateUp, missingSeries, parseExposition, upQuery } from "../../verification/prom";

const vector = (...vals: [string, string][]) =>
  JSON.stringify({ status: "success", data: { resultType: "vector", result: vals.map(([instance, v]) => ({ metric: { instance }, value: [1, v] })) } });

describe("prometheus helpers (pure)", () => {
  it("quotes the job as a PromQL string", () => {
    assert.equal(upQuery("agent-cellphone-v2"), 'up{job="agent-cellphone-v2"}');
    assert.equal(upQuery('a"b\\c\nd'), 'up{job="a\\"b\\\\c\\nd"}');
  });

  it("maps the up vector to a status by the documented rule", () => {
    assert.equal(evaluateUp(200, vector(["a:1", "1"], ["b:1", "1"]), "j").message, "2 targets up");
    assert.equal(evaluateUp(200, vector(["a:1", "1"], ["b:1", "0"]), "j").status, "failed");
    assert.equal(evaluateUp(200, vector(["a:1", "NaN"]), "j").status, "inconclusive");
    assert.equal(evaluateUp(200, vector(["a:1", "NaN"], ["b:1", "0"]), "j").status, "failed", "a down target outranks NaN");
    assert.equal(evaluateUp(200, vector(), "j").status, "inconclusive");
    assert.equal(evaluateUp(200, JSON.stringify({ status: "success", data: { resultType: "matrix", result: [] } }), "j").status, "error");
    assert.equal(evaluateUp(502, "<html>bad gateway</html>", "j").status, "error");
    assert.equal(evaluateUp(500, JSON.stringify({ status: "success", data: { resultType: "vector", result: [] } }), "j").status, "error");
  });

  it("parses names from exposition text, counting only families that have samples", () => {
    const text = [
      "# HELP http_requests_total HTTP requests served",
      "# TYPE http_requests_total counter",
      'http_requests_total{method="GET",path="/health",status="200"} 3',
      "# TYPE http_request_duration_seconds histogram",
      'http_request_duration_seconds_bucket{le="0.005"} 1',
      "http_request_duration_seconds_sum 0.01",
      "http_request_duration_seconds_count 3",
      "# TYPE declared_only_total counter",
      "process_start_time_seconds 1.7e9",
      "# EOF",
      "",
    ].join("\n");
    const e = parseExposition(text);
    assert.deepEqual([...e.samples].sort(), ["http_request_duration_seconds_bucket", "http_request_duration_seconds_count", "http_request_duration_seconds_sum", "http_requests_total", "process_start_time_seconds"]);
    assert.deepEqual(missingSeries(["http_requests_total", "http_request_duration_seconds", "declared_only_total", "nope"], e), {
      missing: ["nope"],
      empty: ["declared_only_total"],
    });
  });

  it("takes the worst part's status and keeps every part's message", () => {
    const out = combineParts([
      { part: "prometheus", status: "error", message: "connection refused" },
      { part: "metrics", status: "failed", message: "missing series: x" },
      { part: "grafana", status: "passed", message: "healthy" },
    ]);
    assert.equal(out.status, "failed");
    assert.equal(out.message, "prometheus: connection refused; metrics: missing series: x; grafana: healthy");
    assert.equal(combineParts([{ part: "p", status: "inconclusive", message: "" }, { part: "q", status: "error", message: "" }]).status, "error");
  });
});
