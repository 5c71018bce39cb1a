// The benchmarks' set-up: `npm run bench:verify` installs its constant-rate reference (hey, a
// Debian package) first, and the bench refuses to measure without it instead of comparing
// against a different tool. Runs the real script and the real bench entry point; hey itself is
// installed on this machine (.ci/run installs it on CI).
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");

describe("benchmark set-up: hey is installed by the project, and required by bench:verify", function () {
  this.timeout(60_000);

  it("npm run bench:verify runs scripts/install-bench-tools before the bench", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    assert.match(pkg.scripts["bench:verify"], /^scripts\/install-bench-tools && ts-node .*tests\/bench\/verifyBench\.ts$/);
  });

  it("scripts/install-bench-tools: exit 0 naming hey when present; one usage line and exit 2 on arguments", () => {
    const ok = spawnSync(path.join(ROOT, "scripts/install-bench-tools"), [], { encoding: "utf8" });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^bench tools: hey at \/.*hey$/m);
    const bad = spawnSync(path.join(ROOT, "scripts/install-bench-tools"), ["--force"], { encoding: "utf8" });
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim().split("\n").length, 1);
    assert.match(bad.stderr, /^usage: scripts\/install-bench-tools/);
  });

  it("the bench stops with exit 2 and one clear line when hey is missing, before measuring anything", () => {
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "tests/bench/verifyBench.ts"], {
      cwd: ROOT,
      env: { ...process.env, PATH: "/nonexistent" },
      encoding: "utf8",
      timeout: 50_000,
    });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim(), "bench: hey not found on PATH: run scripts/install-bench-tools (Debian package hey); the accuracy figure is only comparable against it");
    assert.equal(r.stdout, "", "no figures printed");
  });
});
