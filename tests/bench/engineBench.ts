// Engine benchmark (prints figures; not a timed test): on the real engine, in one run,
//  1. `pulumi preview` of the staging stack vs a minimal program with one Deployment (goal <= 2),
//  2. a no-change `pulumi up` of staging with the gate vs without it (goal <= 1.2).
// Medians of a few rounds, interleaved, because this machine is shared and noisy; the load
// average is printed with them. Then the gate's share, piece by piece (gateShare.ts).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { measureGateShare, printGateShare } from "./gateShare";
import { startFixture } from "../fixtures/fixtureService";
import { Workspace } from "../integration/engine";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const MINIMAL = `import * as k8s from "@pulumi/kubernetes";
const provider = new k8s.Provider("render", { renderYamlToDirectory: process.env.RENDER_DIR! });
new k8s.apps.v1.Deployment("app", {
  metadata: { name: "app" },
  spec: { selector: { matchLabels: { app: "a" } }, template: { metadata: { labels: { app: "a" } },
    spec: { containers: [{ name: "a", image: "ghcr.io/dadudekc/agent-cellphone-v2:2.0.0" }] } } },
}, { provider });
`;

async function main(): Promise<void> {
  const fixture = await startFixture();
  const ws = new Workspace("bench");
  try {
    const checks = [{ name: "health", type: "health" }, { name: "availability", type: "availability", requests: 20 }];
    for (const [stack, enabled] of [["staging", true], ["benchnogate", false]] as const) {
      if (stack !== "staging") fs.copyFileSync(path.join(ws.dir, "Pulumi.staging.yaml"), path.join(ws.dir, `Pulumi.${stack}.yaml`));
      ws.editStack(stack, (c) => {
        c.kubernetes = { renderYamlToDirectory: path.join(ws.dir, "rendered", stack) };
        c.verification = { enabled, baseUrl: fixture.url, reportDir: path.join(ws.dir, "reports"), checks };
      });
      await ws.initStack(stack, { grafanaAdminPassword: "bench-password" });
      await ws.must(["up", "--yes", "--stack", stack]);
    }
    // The minimal program lives in its own project directory beside the copy.
    const mini = path.join(ws.dir, "minimal");
    fs.mkdirSync(mini);
    fs.writeFileSync(path.join(mini, "Pulumi.yaml"), "name: minimal\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
    fs.writeFileSync(path.join(mini, "index.ts"), MINIMAL);
    fs.writeFileSync(path.join(mini, "package.json"), JSON.stringify({ name: "minimal", main: "index.ts" }));
    fs.writeFileSync(path.join(mini, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", module: "commonjs", moduleResolution: "node", esModuleInterop: true, skipLibCheck: true }, files: ["index.ts"] }));
    fs.symlinkSync(path.join(ws.dir, "node_modules"), path.join(mini, "node_modules"));
    const miniWs = Object.create(ws) as Workspace;
    Object.defineProperty(miniWs, "dir", { value: mini });
    Object.defineProperty(miniWs, "env", { value: { ...ws.env, RENDER_DIR: path.join(mini, "rendered") } });
    await miniWs.must(["stack", "init", "bench"]);
    await miniWs.must(["up", "--yes", "--stack", "bench"]);

    const loadBefore = os.loadavg();
    const t = { preview: [] as number[], previewMin: [] as number[], upGate: [] as number[], upNoGate: [] as number[] };
    for (let i = 0; i < ROUNDS; i++) {
      t.preview.push((await ws.must(["preview", "--stack", "staging"])).ms);
      t.previewMin.push((await miniWs.must(["preview", "--stack", "bench"])).ms);
      t.upGate.push((await ws.must(["up", "--yes", "--stack", "staging"])).ms);
      t.upNoGate.push((await ws.must(["up", "--yes", "--stack", "benchnogate"])).ms);
    }
    const rows = [
      ["preview staging / preview minimal (1 Deployment)", median(t.preview), median(t.previewMin), 2],
      ["no-change up with gate / without gate", median(t.upGate), median(t.upNoGate), 1.2],
    ] as const;
    console.log(`engine benchmark, medians of ${ROUNDS} interleaved rounds`);
    console.log("figure".padEnd(52), "a ms".padStart(8), "b ms".padStart(8), "ratio".padStart(7), "goal".padStart(6), "met");
    for (const [name, a, b, goal] of rows) {
      const ratio = a / b;
      console.log(name.padEnd(52), String(a).padStart(8), String(b).padStart(8), ratio.toFixed(2).padStart(7), `<=${goal}`.padStart(6), ratio <= goal ? "yes" : "no");
    }
    console.log(`raw: ${JSON.stringify(t)}`);
    console.log(`load average (1/5/15 min): ${loadBefore.map((l) => l.toFixed(1)).join(" ")} before the rounds, ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} after`);
    printGateShare(await measureGateShare(ROUNDS));
  } finally {
    await fixture.close();
    ws.remove();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
