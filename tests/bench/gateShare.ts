// What the verification gate adds to a no-change preview or up, piece by piece (prints figures;
// not a timed test). Each piece in fresh processes, as the engine pays it:
//  - program: the first pulumi.dynamic serialization of the provider (the SDK's closure
//    serializer opens a V8 inspector session; paid once per program run),
//  - provider process: Pulumi's dynamic provider host from spawn to its gRPC port,
//  - check + diff over gRPC with the configHash unchanged (answered in the serialized code),
//  - check with a changed configHash (loads ts-node, zod and the suite: what every run paid
//    before check's fast path could fire).
import { spawnSync } from "child_process";
import * as path from "path";
import { DynamicHost, serializeProvider } from "../fixtures/dynamicHost";
import { gateInputs, gateUrn, PROJECT_ROOT as ROOT } from "../fixtures/gateHarness";
import { gateProvider } from "../../components/gate/provider";

const URN = gateUrn("bench");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/** In a fresh node with the program's modules loaded: ms of the first serialization of the gate's provider. */
function programSerializeMs(): number {
  const script = `
    require("ts-node").register({ transpileOnly: true, project: ${JSON.stringify(path.join(ROOT, "tsconfig.json"))} });
    const pulumi = require("@pulumi/pulumi");
    require("@pulumi/kubernetes");
    const { gateProvider } = require(${JSON.stringify(path.join(ROOT, "components/gate/provider"))});
    const t0 = process.hrtime.bigint();
    pulumi.runtime.serializeFunction(() => gateProvider, { allowSecrets: true })
      .then(() => console.log(Number(process.hrtime.bigint() - t0) / 1e6));`;
  const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`serialization probe failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

function inputs(text: string, configHash: string) {
  return gateInputs(text, { baseUrl: "http://127.0.0.1:1", checks: [{ name: "health", type: "health" }] }, { configHash, stack: "bench" });
}

export interface GateShare {
  serializeMs: number[];
  hostStartMs: number[];
  checkDiffUnchangedMs: number[];
  checkChangedMs: number[];
}

export async function measureGateShare(rounds: number): Promise<GateShare> {
  const text = await serializeProvider(gateProvider);
  const out: GateShare = { serializeMs: [], hostStartMs: [], checkDiffUnchangedMs: [], checkChangedMs: [] };
  const stored = { ...inputs(text, "h1"), verdict: "passed" };
  for (let i = 0; i < rounds; i++) {
    out.serializeMs.push(programSerializeMs());
    for (const changed of [false, true]) {
      let t0 = process.hrtime.bigint();
      const host = await DynamicHost.start();
      if (!changed) out.hostStartMs.push(ms(t0));
      try {
        t0 = process.hrtime.bigint();
        const c = await host.check(URN, inputs(text, "h1"), inputs(text, changed ? "h2" : "h1"));
        if (c.error) throw c.error;
        if (changed) {
          out.checkChangedMs.push(ms(t0));
          continue;
        }
        const d = await host.diff(URN, "verification-bench", stored, inputs(text, "h1"));
        if (d.error || d.result!.changes !== "none") throw new Error(`diff: ${d.error ?? d.result!.changes}`);
        out.checkDiffUnchangedMs.push(ms(t0));
      } finally {
        await host.stop();
      }
    }
  }
  return out;
}

export function printGateShare(s: GateShare): void {
  const rows: Array<[string, number[]]> = [
    ["program: first dynamic serialization", s.serializeMs],
    ["provider host: spawn to gRPC port", s.hostStartMs],
    ["check + diff, config unchanged (fast path)", s.checkDiffUnchangedMs],
    ["check, config changed (loads ts-node + suite)", s.checkChangedMs],
  ];
  console.log(`gate's share, medians of ${s.serializeMs.length} rounds (fresh processes)`);
  for (const [name, xs] of rows) console.log(name.padEnd(52), `${median(xs).toFixed(0)} ms`.padStart(10));
}

if (require.main === module) {
  measureGateShare(Number(process.env.BENCH_ROUNDS ?? 3))
    .then(printGateShare)
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
