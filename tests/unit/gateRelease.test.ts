// Pure release rules of the gate (components/gate/release.ts): no Pulumi, no servers.
import { strict as assert } from "assert";
import {
  FAILED_IMAGES_KEPT, failedImageRefusal, isFirstRelease, isNewRelease, nextFailedImages, redeployOptIn, rollbackDecision,
} from "../../components/gate/release";

const V = { imageRef: "app:1", podTemplateHash: "h1", verifiedAt: "2026-12-01T00:00:00Z" };

describe("gate release rules", () => {
  it("a new release is a new image or Deployment spec compared with the last run, pass or fail", () => {
    assert.equal(isNewRelease(undefined, { imageRef: "app:2", specHash: "s" }), true);
    assert.equal(isNewRelease({ imageRef: "app:2", specHash: "s" }, { imageRef: "app:2", specHash: "s" }), false);
    assert.equal(isNewRelease({ imageRef: "app:1", specHash: "s" }, { imageRef: "app:2", specHash: "s" }), true);
    assert.equal(isNewRelease({ imageRef: "app:2", specHash: "s" }, { imageRef: "app:2", specHash: "t" }), true);
  });

  it("first release: nothing verified on record", () => {
    assert.equal(isFirstRelease(undefined), true);
    assert.equal(isFirstRelease({ verdict: "failed" }), true);
    assert.equal(isFirstRelease({ verifiedRelease: V }), false);
  });

  it("rolls back only a failing new release, to a verified one, with onFailure rollback", () => {
    assert.equal(rollbackDecision({ onFailure: "rollback", newRelease: true, verified: V }).rollback, true);
    assert.match(rollbackDecision({ onFailure: "rollback", newRelease: false, verified: V }).reason, /re-checked the release already deployed/);
    assert.match(rollbackDecision({ onFailure: "rollback", newRelease: true }).reason, /nothing verified to return to/);
    assert.equal(rollbackDecision({ onFailure: "fail", newRelease: true, verified: V }).rollback, false);
  });

  it("refuses a failed image unless opted in; a re-check of the still-running failed image is allowed", () => {
    const rolledBack = { imageRef: "app:2", failedImages: ["app:2"], rolledBack: true, verifiedRelease: V };
    assert.match(failedImageRefusal(rolledBack, "app:2", false) ?? "", /failed verification on this stack before and was rolled back/);
    assert.equal(failedImageRefusal(rolledBack, "app:2", true), undefined);
    assert.equal(failedImageRefusal({ ...rolledBack, rolledBack: false }, "app:2", false), undefined, "onFailure fail: still running, a re-check");
    assert.match(failedImageRefusal({ imageRef: "app:1", failedImages: ["app:2"], verifiedRelease: V }, "app:2", false) ?? "", /not verified again without an explicit opt-in/, "coming back to it");
    assert.equal(failedImageRefusal(rolledBack, "app:3", false), undefined);
  });

  it("the opt-in: ACV2_REDEPLOY_FAILED_IMAGE=1/true/<image> or the config key", () => {
    for (const v of ["1", "true", "app:2"]) assert.equal(redeployOptIn("app:2", undefined, { ACV2_REDEPLOY_FAILED_IMAGE: v }), true, v);
    assert.equal(redeployOptIn("app:2", undefined, { ACV2_REDEPLOY_FAILED_IMAGE: "app:3" }), false);
    assert.equal(redeployOptIn("app:2", true, {}), true);
    assert.equal(redeployOptIn("app:2", false, {}), false);
  });

  it("failed list: a failed new release joins, a pass leaves, a re-check failure does not add", () => {
    assert.deepEqual(nextFailedImages(["a"], "b", "failed", true), ["a", "b"]);
    assert.deepEqual(nextFailedImages(["a", "b"], "b", "passed", false), ["a"]);
    assert.deepEqual(nextFailedImages(["a"], "b", "failed", false), ["a"]);
    const many = Array.from({ length: 30 }, (_, i) => `x:${i}`);
    assert.equal(nextFailedImages(many, "y", "failed", true).length, FAILED_IMAGES_KEPT);
  });
});
