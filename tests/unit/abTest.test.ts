// The abTest strategy (issue 13, point 4): its config section and rules (key path and rule, never
// a value), the Rollout and gate input the real program registers under MOCKS
// (pulumi.runtime.setMocks: no engine, no cluster), the cookie match as Istio receives it, and the
// preview plan. The real controller routes the cohort in tests/e2e/nodeAbTest.test.ts.
import { strict as assert } from "assert";
import { ConfigError } from "../../config/errors";
import { parseStackConfig, type StackConfig } from "../../config/load";
import { abTestSteps, cohortMatch } from "../../components/specs/releaseSpecs";
import { loadValidator, type Validate } from "./monitoringTestKit";
import { loadStackYaml, runProgram, type ProgramRun } from "./harness/runProgram";

const P = "agent-cellphone-v2:";
const CHECKS = [
  { name: "rollout", type: "rollout", namespace: "acv2-dev", deployment: "agent-cellphone-v2", timeoutSeconds: 60 },
  { name: "health", type: "health" },
];
const VERIFICATION = { baseUrl: "http://127.0.0.1:9", checks: CHECKS };
const AB = { cohort: { header: { name: "x-cohort", value: "b" } }, verifyBaseUrl: "http://agent-cellphone-v2-canary.acv2-dev.svc" };

function parse(release: unknown, extra: Record<string, unknown> = {}): StackConfig {
  const all: Record<string, unknown> = { ...loadStackYaml("dev"), verification: VERIFICATION, release, ...extra };
  const config = Object.fromEntries(Object.entries(all).map(([k, v]) => [`${P}${k}`, JSON.stringify(v)]));
  return parseStackConfig({ config, secretKeys: [], stack: "dev" });
}

function problems(release: unknown, extra: Record<string, unknown> = {}): string[] {
  try {
    parse(release, extra);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail("expected a ConfigError");
}

const ofKind = (r: ProgramRun, kind: string) => r.resources.filter((x) => x.custom && (x.inputs.kind === kind || x.type.endsWith(`:${kind}`)));
const gateInputs = (r: ProgramRun) => r.resources.find((x) => x.name === "verification-run")!.inputs as Record<string, any>;

describe("abTest config", () => {
  it("fills the defaults: 3 analysis intervals, at most 0.01 more errors than stable", () => {
    assert.deepEqual(parse({ strategy: "abTest", abTest: AB }).release.abTest, { ...AB, intervals: 3, maxErrorRatioIncrease: 0.01 });
  });

  const CASES: Array<[string, unknown, string[], Record<string, unknown>?]> = [
    ["abTest without its block", { strategy: "abTest" }, [`${P}release.abTest: is required when release.strategy is "abTest": set cohort (header or cookie) and verifyBaseUrl`]],
    ["a cohort naming both a header and a cookie", { strategy: "abTest", abTest: { ...AB, cohort: { header: { name: "x-cohort", value: "b" }, cookie: { name: "ab", value: "b" } } } }, [`${P}release.abTest.cohort: must name exactly one of header or cookie`]],
    ["a cohort naming neither", { strategy: "abTest", abTest: { ...AB, cohort: {} } }, [`${P}release.abTest.cohort: must name exactly one of header or cookie`]],
    ["a cookie value that would end the cookie", { strategy: "abTest", abTest: { ...AB, cohort: { cookie: { name: "ab", value: "b; admin=1" } } } }, [`${P}release.abTest.cohort.cookie.value: must be a cookie value (RFC 6265 characters, no ';', ',', space or quote)`]],
    ["a cookie name with a space", { strategy: "abTest", abTest: { ...AB, cohort: { cookie: { name: "a b", value: "b" } } } }, [`${P}release.abTest.cohort.cookie.name: must be a cookie name (RFC 6265 token characters)`]],
    ["0 intervals", { strategy: "abTest", abTest: { ...AB, intervals: 0 } }, [`${P}release.abTest.intervals: must be >= 1`]],
    ["no verifyBaseUrl", { strategy: "abTest", abTest: { cohort: AB.cohort } }, [`${P}release.abTest.verifyBaseUrl: is required`]],
    ["an error margin above 1", { strategy: "abTest", abTest: { ...AB, maxErrorRatioIncrease: 2 } }, [`${P}release.abTest.maxErrorRatioIncrease: must be <= 1`]],
    ["the abTest block under canary", { strategy: "canary", abTest: AB }, [`${P}release.abTest: only applies when release.strategy is "abTest" (it is "canary")`]],
    ["abTest with autoscaling", { strategy: "abTest", abTest: AB }, [`${P}release.strategy: "abTest" cannot be combined with autoscaling.enabled yet: the HPA scales the Deployment, not the Rollout`], { autoscaling: { enabled: true } }],
  ];
  for (const [title, release, expected, extra] of CASES) {
    it(`refuses ${title}`, () => assert.deepEqual(problems(release, extra), expected));
  }
});

describe("abTest objects (mocks)", () => {
  let validate: Validate;
  before(async () => {
    validate = await loadValidator();
  });

  it("a Rollout that scales the candidate, routes only the cohort to it and pauses until the gate decides", async () => {
    const r = await runProgram("dev", { config: { verification: VERIFICATION, release: { strategy: "abTest", analysisIntervalSeconds: 20, abTest: { ...AB, intervals: 4 } } } });
    const [ro] = ofKind(r, "Rollout");
    const rollout = { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", ...ro.inputs } as any;
    validate(rollout);
    const canary = rollout.spec.strategy.canary;
    assert.deepEqual(canary.steps, [
      { setCanaryScale: { replicas: 1 } },
      { setHeaderRoute: { name: "ab-cohort", match: [{ headerName: "x-cohort", headerValue: { exact: "b" } }] } },
      { pause: {} },
    ]);
    assert.deepEqual(canary.trafficRouting.managedRoutes, [{ name: "ab-cohort" }]);
    assert.equal(canary.canaryService, "agent-cellphone-v2-canary");
    assert.equal(canary.stableService, "agent-cellphone-v2-stable");
    for (const [name, svc] of [["release-canary", "agent-cellphone-v2-canary"], ["release-stable", "agent-cellphone-v2-stable"]]) {
      const s = r.resources.find((x) => x.name === name);
      assert.ok(s, `${name}: the Service the gate reaches that side through`);
      validate({ apiVersion: "v1", kind: "Service", ...s.inputs });
      assert.equal((s.inputs as any).metadata.name, svc);
      assert.deepEqual((s.inputs as any).spec.selector, rollout.spec.selector.matchLabels, "the controller narrows it to one version");
      assert.ok(ro.dependencies.includes(name), "the controller refuses a Rollout whose Services are missing");
    }
    const dr = ofKind(r, "DestinationRule")[0].inputs as any;
    assert.deepEqual(dr.spec.subsets, [{ name: "stable" }, { name: "canary" }]);
    assert.deepEqual(gateInputs(r).progressive, {
      strategy: "abTest", rollout: "agent-cellphone-v2", steps: [{ setWeight: 0, pauseSeconds: 80 }], leadingSteps: 1, verifyBaseUrl: AB.verifyBaseUrl,
      cohort: { label: "header x-cohort: b", maxErrorRatioIncrease: 0.01 },
      analysis: { spec: { job: "agent-cellphone-v2", maxErrorRatioIncrease: 0.05, p95FloorSeconds: 0.5 }, intervalSeconds: 20, failureLimit: 1 },
    });
    const plan = gateInputs(r).releasePlan as string[];
    assert.match(plan[0], /^strategy abTest: an Argo Rollout routes one cohort \(header x-cohort: b\) to the new version and no one else/);
    assert.match(plan[1], /^step 1: the cohort on 1 new pod\(s\), 0% of other users, for 4 analysis interval\(s\) of 20 s \(80 s\): checks at agent-cellphone-v2-canary\.acv2-dev\.svc \(abTest\.verifyBaseUrl\): health \(health\)/);
    assert.match(plan[2], /^step 2: promoted, 100% of users, the cohort route removed/);
  });

  it("a cookie cohort matches that cookie anywhere in the Cookie header, and nothing that merely contains it", () => {
    const m = cohortMatch({ cookie: { name: "ab.v", value: "b+1" } }) as { headerName: string; headerValue: { regex: string } };
    assert.equal(m.headerName, "cookie");
    // Istio hands the regex to Envoy's RE2 as a whole-value match; this one uses nothing RE2 and JavaScript read differently.
    const re = new RegExp(m.headerValue.regex);
    for (const yes of ["ab.v=b+1", "x=1; ab.v=b+1", "x=1;ab.v=b+1; y=2"]) assert.ok(re.test(yes), yes);
    for (const no of ["ab.v=b+11", "xab.v=b+1", "abXv=b+1", "ab.v=bb1", "x=ab.v=b+1"]) assert.ok(!re.test(no), no);
    assert.deepEqual(abTestSteps({ cookie: { name: "ab", value: "b" } })[1], { setHeaderRoute: { name: "ab-cohort", match: [{ headerName: "cookie", headerValue: { regex: "^(.*;\\s*)?ab=b(;.*)?$" } }] } });
  });
});
