// Pure parts of the Kubernetes access layer: where credentials come from, label selectors, and
// how client errors become statuses without leaking tokens or URLs.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { deadlineReason } from "../../verification/abort";
import { classifyKubeError, kubeconfigSource, selectorString } from "../../verification/k8s";

describe("k8s access (pure)", () => {
  it("prefers the configured file, then KUBECONFIG, then ~/.kube/config, then in-cluster", () => {
    const emptyHome = fs.mkdtempSync(path.join(os.tmpdir(), "acv2-home-"));
    try {
      assert.deepEqual(kubeconfigSource({ kubeconfig: "/x/kc", env: { KUBECONFIG: "/y" } }), { source: "file", file: "/x/kc" });
      assert.deepEqual(kubeconfigSource({ env: { KUBECONFIG: "/y" }, home: emptyHome }), { source: "default" });
      assert.deepEqual(kubeconfigSource({ env: { KUBERNETES_SERVICE_HOST: "10.0.0.1" }, home: emptyHome }), { source: "in-cluster" });
      assert.throws(() => kubeconfigSource({ env: {}, home: emptyHome }), /^Error: no Kubernetes credentials: set kubeconfig, KUBECONFIG or run in-cluster$/);
      fs.mkdirSync(path.join(emptyHome, ".kube"));
      fs.writeFileSync(path.join(emptyHome, ".kube", "config"), "");
      assert.deepEqual(kubeconfigSource({ env: { KUBERNETES_SERVICE_HOST: "10.0.0.1" }, home: emptyHome }), { source: "default" });
    } finally {
      fs.rmSync(emptyHome, { recursive: true, force: true });
    }
  });

  it("renders label selectors the way the API expects", () => {
    assert.equal(selectorString({ matchLabels: { app: "a", tier: "web" } }), "app=a,tier=web");
    assert.equal(
      selectorString({ matchExpressions: [
        { key: "env", operator: "In", values: ["prod", "staging"] },
        { key: "canary", operator: "DoesNotExist" },
        { key: "team", operator: "Exists" },
        { key: "zone", operator: "NotIn", values: ["b"] },
      ] }),
      "env in (prod,staging),!canary,team,zone notin (b)",
    );
    assert.equal(selectorString(undefined), "");
  });

  it("maps API statuses and socket errors to ERROR/FAILED with safe messages", () => {
    assert.deepEqual(classifyKubeError({ code: 404, body: "{}" }, "deployment a/b", "https://k:6443"), { status: "failed", message: "deployment a/b: not found (404)", httpStatus: 404 });
    assert.equal(classifyKubeError({ code: 403 }, "x", "https://k:6443").message, "x: API access denied (403)");
    assert.equal(classifyKubeError({ code: 500 }, "x", "https://k:6443").status, "error");
    const fetchErr = Object.assign(new Error("request to https://k:6443/apis/apps/v1/... failed, reason: getaddrinfo ENOTFOUND k"), { code: "ENOTFOUND", name: "FetchError" });
    assert.equal(classifyKubeError(fetchErr, "x", "https://k:6443").message, "x: Kubernetes API unreachable: DNS lookup failed for k (ENOTFOUND)");
    const ctl = new AbortController();
    ctl.abort(deadlineReason());
    assert.equal(classifyKubeError(new Error("The operation was aborted"), "x", "https://k", ctl.signal).message, "x: deadline exceeded");
  });
});
