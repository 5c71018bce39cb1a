// The `release` section (issue 13, point 1): defaults, and each rule's error line (key path and
// rule, never a value) through parseStackConfig, the same path the program takes.
import { strict as assert } from "assert";
import { ConfigError } from "../../config/errors";
import { parseStackConfig, type StackConfig } from "../../config/load";
import { DEFAULT_CANARY_STEPS, canaryStepsOf } from "../../config/sections/release";
import { loadStackYaml } from "./harness/runProgram";

const P = "agent-cellphone-v2:";
const ROLLOUT = { name: "rollout", type: "rollout", namespace: "acv2-dev", deployment: "agent-cellphone-v2", timeoutSeconds: 60 };
const CHECKS = [ROLLOUT, { name: "health", type: "health" }];
const BASE_URL = "http://127.0.0.1:9";

/** The dev stack as committed, with `overrides` replacing whole sections. */
function parse(overrides: Record<string, unknown>, stack = "dev"): StackConfig {
  const base = loadStackYaml("dev");
  const all: Record<string, unknown> = { ...base, verification: { baseUrl: BASE_URL, checks: CHECKS }, ...overrides };
  const config = Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined).map(([k, v]) => [`${P}${k}`, JSON.stringify(v)]));
  return parseStackConfig({ config, secretKeys: [], stack });
}

function problems(overrides: Record<string, unknown>): string[] {
  try {
    parse(overrides);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail("expected a ConfigError");
}

describe("release config", () => {
  it("defaults to rolling with the default analysis settings, and no canary or blueGreen block", () => {
    const cfg = parse({});
    assert.deepEqual(cfg.release, { strategy: "rolling", analysisIntervalSeconds: 30, failureLimit: 1 });
    assert.deepEqual(canaryStepsOf(cfg.release), DEFAULT_CANARY_STEPS);
  });

  it("every committed stack parses to the rolling default (none sets the section)", () => {
    for (const stack of ["dev", "staging", "production", "e2e"]) {
      assert.equal(loadStackYaml(stack).release, undefined, stack);
    }
  });

  it("fills canary step defaults and keeps the header route", () => {
    const cfg = parse({ release: { strategy: "canary", canary: { steps: [{ setWeight: 20 }, { setWeight: 100, pauseSeconds: 30 }], headerRoute: { name: "x-canary", value: "1" } } } });
    assert.deepEqual(cfg.release.canary, { steps: [{ setWeight: 20, pauseSeconds: 60 }, { setWeight: 100, pauseSeconds: 30 }], headerRoute: { name: "x-canary", value: "1" } });
  });

  it("accepts blueGreen with and without a preview Service name", () => {
    assert.equal(parse({ release: { strategy: "blueGreen" } }).release.strategy, "blueGreen");
    assert.deepEqual(parse({ release: { strategy: "blueGreen", blueGreen: { previewService: "acv2-next" } } }).release.blueGreen, { previewService: "acv2-next" });
  });

  const CASES: Array<[string, Record<string, unknown>, string[]]> = [
    ["unknown strategy", { release: { strategy: "linear" } }, [`${P}release.strategy: must be one of "rolling", "canary", "blueGreen", "abTest"`]],
    ["weight 0", { release: { strategy: "canary", canary: { steps: [{ setWeight: 0 }] } } }, [`${P}release.canary.steps[0].setWeight: must be >= 1`]],
    ["weight above 100", { release: { strategy: "canary", canary: { steps: [{ setWeight: 101 }] } } }, [`${P}release.canary.steps[0].setWeight: must be <= 100`]],
    ["fractional weight", { release: { strategy: "canary", canary: { steps: [{ setWeight: 12.5 }] } } }, [`${P}release.canary.steps[0].setWeight: must be integer (got float)`]],
    [
      "weights not strictly increasing (equal, then lower, then 100 not last)",
      { release: { strategy: "canary", canary: { steps: [{ setWeight: 20 }, { setWeight: 20 }, { setWeight: 100 }, { setWeight: 50 }] } } },
      [
        `${P}release.canary.steps[1].setWeight: must be greater than the previous step's (20 <= 20): weights strictly increase`,
        `${P}release.canary.steps[3].setWeight: must be greater than the previous step's (50 <= 100): weights strictly increase`,
      ],
    ],
    ["no steps", { release: { strategy: "canary", canary: { steps: [] } } }, [`${P}release.canary.steps: must list at least one step`]],
    ["pause of 0 s", { release: { strategy: "canary", canary: { steps: [{ setWeight: 10, pauseSeconds: 0 }] } } }, [`${P}release.canary.steps[0].pauseSeconds: must be >= 1`]],
    [
      "pause shorter than the analysis interval",
      { release: { strategy: "canary", analysisIntervalSeconds: 60, canary: { steps: [{ setWeight: 10, pauseSeconds: 30 }] } } },
      [`${P}release.canary.steps[0].pauseSeconds: must be >= release.analysisIntervalSeconds (30 < 60): a step must hold one measurement`],
    ],
    ["analysis interval below 10 s", { release: { analysisIntervalSeconds: 5 } }, [`${P}release.analysisIntervalSeconds: must be >= 10`]],
    ["failure limit above 10", { release: { failureLimit: 11 } }, [`${P}release.failureLimit: must be <= 10`]],
    ["header name with upper case", { release: { strategy: "canary", canary: { headerRoute: { name: "X-Canary", value: "1" } } } }, [`${P}release.canary.headerRoute.name: must be a lowercase HTTP header name (letters, digits, '-')`]],
    ["empty header value", { release: { strategy: "canary", canary: { headerRoute: { name: "x-canary", value: "" } } } }, [`${P}release.canary.headerRoute.value: must not be empty`]],
    ["unknown key", { release: { strategy: "canary", canary: { weights: [10] } } }, [`${P}release.canary: unknown key(s) "weights"`]],
    ["bad preview Service name", { release: { strategy: "blueGreen", blueGreen: { previewService: "Preview_Svc" } } }, [`${P}release.blueGreen.previewService: must be a DNS label (lowercase letters, digits and '-', starting and ending alphanumeric)`]],
    ["canary block under blueGreen", { release: { strategy: "blueGreen", canary: {} } }, [`${P}release.canary: only applies when release.strategy is "canary" (it is "blueGreen")`]],
    ["blueGreen block under rolling", { release: { blueGreen: {} } }, [`${P}release.blueGreen: only applies when release.strategy is "blueGreen" (it is "rolling")`]],
    ["canary without the gate", { release: { strategy: "canary" }, verification: { enabled: false, baseUrl: BASE_URL, checks: CHECKS } }, [`${P}release.strategy: "canary" needs the verification gate: promotion is the gate's (verification.enabled is false)`]],
    ["blueGreen with a gate that checks nothing", { release: { strategy: "blueGreen" }, verification: { checks: [] } }, [`${P}release.strategy: "blueGreen" needs a gate with checks of the new version: promotion is the gate's (verification.checks is empty)`]],
    ["canary with only Deployment checks", { release: { strategy: "canary" }, verification: { checks: [ROLLOUT, { name: "rb", type: "rollback", namespace: "acv2-dev", deployment: "agent-cellphone-v2" }] } }, [`${P}release.strategy: "canary" needs a gate with checks of the new version: promotion is the gate's (rollout and rollback checks judge the Deployment, whose pods the Rollout runs: none of them verifies the new version at a step)`]],
    ["canary verifyBaseUrl not a URL", { release: { strategy: "canary", canary: { verifyBaseUrl: "canary-svc:80" } } }, [`${P}release.canary.verifyBaseUrl: must use http or https`]],
    [
      "analysis Prometheus URL with a password (never echoed)",
      { release: { strategy: "canary", analysisPrometheusUrl: "http://admin:s3cr3t-pw@prometheus.monitoring:9090" } },
      [`${P}release.analysisPrometheusUrl: must not carry credentials (user:password@): this section is not secret; give a Prometheus that needs them as the monitoring check's prometheusUrl, in the secret verification config`],
    ],
    ["analysis Prometheus URL not http", { release: { strategy: "canary", analysisPrometheusUrl: "ftp://prometheus:9090" } }, [`${P}release.analysisPrometheusUrl: must use http or https`]],
    ["canary with autoscaling", { release: { strategy: "canary" }, autoscaling: { enabled: true } }, [`${P}release.strategy: "canary" cannot be combined with autoscaling.enabled yet: the HPA scales the Deployment, not the Rollout`]],
  ];
  for (const [title, overrides, expected] of CASES) {
    it(`refuses ${title}`, () => assert.deepEqual(problems(overrides), expected));
  }

  it("the rolling default is not held to the gate rules (dev has no checks today)", () => {
    assert.doesNotThrow(() => parse({ verification: { checks: [] } }));
  });
});
