// Property-based tests (fast-check) over the config schema and both loaders (issue 11.4): random
// text, structures and numbers never crash the loader (a clean ConfigError naming key paths, or
// a valid parse), out-of-bounds numbers never pass, and whatever passes is within the documented
// maxima and can pass in principle (limits.ts feasibility).
import * as assert from "assert";
import fc from "fast-check";
import { stringify } from "yaml";
import { ConfigError } from "../../config/errors";
import { parseStackConfig } from "../../config/load";
import { LIMITS, minSecondsToPass, scheduledRequests } from "../../verification/limits";
import { parseConfigText } from "../../verification/loadConfig";
import { verificationSchema, type VerificationConfig } from "../../verification/schema";

const RUNS = Number(process.env.ACV2_PROPERTY_RUNS ?? 300);

/** Parses, or throws only a ConfigError whose lines are `file: key.path: rule`. */
function loadOrConfigError(text: string): "ok" | "refused" {
  try {
    parseConfigText(text, "p.yaml");
    return "ok";
  } catch (err) {
    if (!(err instanceof ConfigError)) throw new Error(`loader crashed with ${(err as Error)?.name}: ${(err as Error)?.message}`);
    for (const line of err.problems) assert.match(line, /^p\.yaml: .+/);
    return "refused";
  }
}

const CHECK_TYPES = ["rollout", "health", "availability", "api", "database", "performance", "security", "external", "monitoring", "rollback"];

/** Numbers that stress the bounds: huge, tiny, negative, non-finite, fractional. */
const wildNumber = fc.oneof(
  fc.constantFrom(Infinity, -Infinity, NaN, 1e308, -1e308, 2 ** 31, 2 ** 53, 0, -0, -1, 0.5, 1e-12),
  fc.double(),
  fc.integer({ min: -1e9, max: 1e9 }),
  // In-range values, so a fair share of random configs is valid and the bounds are tested on them.
  fc.integer({ min: 1, max: 60 }),
  fc.integer({ min: 1, max: 60 }),
);
const numberish = fc.oneof(wildNumber, fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null));

/** A check-shaped object: right keys, any values. */
const checkLike = fc.record(
  {
    name: fc.oneof(fc.constantFrom("a", "b", "c"), fc.string({ maxLength: 6 })),
    type: fc.oneof(fc.constantFrom(...CHECK_TYPES), fc.string({ maxLength: 6 })),
    timeoutSeconds: numberish,
    count: numberish,
    intervalSeconds: numberish,
    initialDelaySeconds: numberish,
    failureLimit: numberish,
    consecutiveErrorLimit: numberish,
    advisory: fc.oneof(fc.boolean(), numberish),
    ratePerSecond: numberish,
    durationSeconds: numberish,
    minSamples: numberish,
    requests: numberish,
    minSuccessRate: numberish,
    thresholds: fc.record({ p95Ms: numberish, p99Ms: numberish, maxErrorRate: numberish }, { requiredKeys: [] }),
    namespace: fc.constant("ns"),
    deployment: fc.constant("d"),
    url: fc.constantFrom("postgres://u:p@127.0.0.1:5432/d", "https://localhost:8443", "ftp://x", "not a url"),
  },
  { requiredKeys: ["name", "type"] },
);
const configLike = fc.record(
  {
    baseUrl: fc.constantFrom("http://127.0.0.1:8000", "https://acv2.example.com", "nope"),
    deadlineSeconds: numberish,
    checks: fc.array(checkLike, { maxLength: 4 }),
  },
  { requiredKeys: [] },
);

describe("config properties (fast-check): loaders never crash, bounds always hold", function () {
  this.timeout(120_000);

  it("any text: the CLI loader returns a config or a ConfigError, nothing else", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => {
      loadOrConfigError(text);
    }), { numRuns: RUNS });
  });

  it("any JSON or YAML structure: the CLI loader returns a config or a ConfigError", () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), configLike), (value) => {
      loadOrConfigError(stringify(value));
      loadOrConfigError(JSON.stringify(value) ?? "null");
    }), { numRuns: RUNS });
  });

  it("any verification value through the stack loader: a StackConfig or a ConfigError", () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), configLike), (value) => {
      const config: Record<string, string> = {
        "agent-cellphone-v2:app": JSON.stringify({ image: { repository: "ghcr.io/acme/acv2", tag: "1.0.0" } }),
        "agent-cellphone-v2:gateway": JSON.stringify({ host: "acv2.example.com" }),
        "agent-cellphone-v2:verification": JSON.stringify(value) ?? "null",
      };
      try {
        parseStackConfig({ config, secretKeys: [], stack: "dev" });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw new Error(`stack loader crashed with ${(err as Error)?.name}: ${(err as Error)?.message}`);
        for (const p of err.problems) assert.match(p, /^agent-cellphone-v2:/);
      }
    }), { numRuns: RUNS });
  });

  it("whatever passes validation is finite, within the documented maxima, and can pass in principle", () => {
    let accepted = 0;
    fc.assert(fc.property(configLike, (value) => {
      const r = verificationSchema.safeParse(value);
      if (!r.success) return;
      accepted += 1;
      assertWithinBounds(r.data);
    }), { numRuns: RUNS * 4 });
    console.log(`      ${accepted} of ${RUNS * 4} random configs were valid; every one within bounds`);
  });

  it("an out-of-bounds number in any bounded field never passes, and the error names that field", () => {
    const fields: Array<[string, (n: unknown) => unknown, RegExp]> = [
      ["deadlineSeconds", (n) => ({ deadlineSeconds: n }), /^deadlineSeconds$/],
      ["timeoutSeconds", (n) => ({ checks: [{ name: "h", type: "rollout", namespace: "n", deployment: "d", timeoutSeconds: n }] }), /^checks\.0\.timeoutSeconds$/],
      ["intervalSeconds", (n) => ({ checks: [{ name: "h", type: "rollout", namespace: "n", deployment: "d", intervalSeconds: n }] }), /^checks\.0\.intervalSeconds$/],
      ["count", (n) => ({ checks: [{ name: "h", type: "rollout", namespace: "n", deployment: "d", count: n }] }), /^checks\.0\.count$/],
      ["ratePerSecond", (n) => ({ baseUrl: "http://x", checks: [{ name: "p", type: "performance", ratePerSecond: n, durationSeconds: 1, minSamples: 1 }] }), /^checks\.0\.ratePerSecond$/],
      ["durationSeconds", (n) => ({ baseUrl: "http://x", checks: [{ name: "p", type: "performance", ratePerSecond: 1, durationSeconds: n, minSamples: 1 }] }), /^checks\.0\.durationSeconds$/],
      ["requests", (n) => ({ baseUrl: "http://x", checks: [{ name: "a", type: "availability", requests: n }] }), /^checks\.0\.requests$/],
      ["p99Ms", (n) => ({ baseUrl: "http://x", checks: [{ name: "p", type: "performance", ratePerSecond: 1, durationSeconds: 1, minSamples: 1, thresholds: { p99Ms: n } }] }), /^checks\.0\.thresholds\.p99Ms$/],
    ];
    const maxOf: Record<string, number> = {
      deadlineSeconds: LIMITS.deadlineSeconds, timeoutSeconds: LIMITS.seconds, intervalSeconds: LIMITS.seconds, count: LIMITS.count,
      ratePerSecond: LIMITS.ratePerSecond, durationSeconds: LIMITS.seconds, requests: LIMITS.requests, p99Ms: LIMITS.latencyMs,
    };
    const outOfBounds = (max: number) => fc.oneof(
      fc.constantFrom(Infinity, -Infinity, NaN, 1e308, -1),
      fc.double({ min: max * (1 + 1e-9) + 1e-9, max: 1e308, noNaN: true }),
      fc.double({ min: -1e308, max: -1e-9, noNaN: true }),
    );
    for (const [name, build, pathRe] of fields) {
      fc.assert(fc.property(outOfBounds(maxOf[name]), (n) => {
        const r = verificationSchema.safeParse(build(n));
        assert.ok(!r.success, `${name} = ${n} passed validation`);
        assert.ok(r.error.issues.some((i) => pathRe.test(i.path.join("."))), `${name} = ${n}: ${r.error.issues.map((i) => i.path.join(".")).join(", ")}`);
      }), { numRuns: Math.ceil(RUNS / 4) });
    }
  });
});

describe("stack config numbers are bounded too (issue 11.4)", () => {
  const stack = (over: Record<string, unknown>) => {
    const base: Record<string, unknown> = { app: { image: { repository: "ghcr.io/acme/acv2", tag: "1.0.0" } }, gateway: { host: "acv2.example.com" } };
    for (const [k, v] of Object.entries(over)) base[k] = { ...(base[k] as object), ...(v as object) };
    return Object.fromEntries(Object.entries(base).map(([k, v]) => [`agent-cellphone-v2:${k}`, JSON.stringify(v)]));
  };
  const cases: Array<[string, (n: number) => Record<string, unknown>]> = [
    ["app.replicas", (n) => ({ app: { replicas: n } })],
    ["app.progressDeadlineSeconds", (n) => ({ app: { progressDeadlineSeconds: n } })],
    ["app.revisionHistoryLimit", (n) => ({ app: { revisionHistoryLimit: n } })],
    ["gateway.retries.perTryTimeoutSeconds", (n) => ({ gateway: { retries: { perTryTimeoutSeconds: n } } })],
    ["monitoring.alerts.p95LatencySeconds", (n) => ({ monitoring: { alerts: { p95LatencySeconds: n } } })],
  ];
  for (const [key, build] of cases) {
    it(`refuses a huge ${key} by key path`, () => {
      fc.assert(fc.property(fc.double({ min: 1e6 + 1, max: 1e308, noNaN: true }), (n) => {
        assert.throws(() => parseStackConfig({ config: stack(build(Math.round(n))), secretKeys: [], stack: "dev" }), (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.ok(err.problems.some((p) => p.startsWith(`agent-cellphone-v2:${key}: must be <=`)), err.problems.join("\n"));
          return true;
        });
      }), { numRuns: 25 });
    });
  }
});

function assertWithinBounds(cfg: VerificationConfig): void {
  const finite = (n: unknown) => typeof n !== "number" || Number.isFinite(n);
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
    else assert.ok(finite(v), `non-finite number ${String(v)}`);
  };
  walk(cfg);
  assert.ok(cfg.deadlineSeconds <= LIMITS.deadlineSeconds);
  for (const c of cfg.checks) {
    for (const k of ["timeoutSeconds", "intervalSeconds", "initialDelaySeconds"] as const) assert.ok((c[k] ?? 0) <= LIMITS.seconds, `${k}`);
    assert.ok((c.count ?? 1) <= LIMITS.count);
    assert.ok(minSecondsToPass(c as never).seconds <= cfg.deadlineSeconds, "a passing run fits the deadline");
    if (c.type === "performance") {
      const n = scheduledRequests(c.ratePerSecond, c.durationSeconds);
      assert.ok(n >= 1 && n <= LIMITS.scheduledRequests && c.minSamples <= n, `schedule ${n}, minSamples ${c.minSamples}`);
    }
    if (c.type === "availability") assert.ok(c.requests <= LIMITS.requests);
  }
}
