// Evaluation time of the program under mocks per stack: the cost of `pulumi preview`/`up` that
// is ours (config parsing, spec building, registration), without engine or provider time.
// Goal: median under 2 s for staging and production. Run with `npm run bench:program`.
import { runProgram } from "../unit/harness/runProgram";

/** Bench settings (env overrides). */
export interface BenchOptions {
  /** Stacks measured. Default: staging, production (BENCH_STACKS=a,b). */
  stacks: string[];
  /** Measured runs per stack after one warm-up. Default: 5 (BENCH_RUNS). */
  runs: number;
  /** Median goal in ms. Default: 2000. */
  goalMs: number;
}

const options: BenchOptions = {
  stacks: (process.env.BENCH_STACKS ?? "staging,production").split(",").filter(Boolean),
  runs: Math.max(1, Number(process.env.BENCH_RUNS ?? 5)),
  goalMs: 2000,
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main(): Promise<void> {
  // The first evaluation also compiles every module through ts-node; it is reported apart.
  const cold = await runProgram(options.stacks[0]);
  console.log(`program bench: cold first run (${options.stacks[0]}, includes compiling): ${cold.durationMs.toFixed(0)} ms`);
  let over = false;
  for (const stack of options.stacks) {
    const times: number[] = [];
    let resources = 0;
    for (let i = 0; i < options.runs; i++) {
      const run = await runProgram(stack);
      times.push(run.durationMs);
      resources = run.resources.length;
    }
    const m = median(times);
    over ||= m > options.goalMs;
    console.log(
      `program bench: ${stack}: median ${m.toFixed(0)} ms over ${options.runs} runs ` +
        `(min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)}), ${resources} resources, goal < ${options.goalMs} ms: ${m > options.goalMs ? "MISSED" : "ok"}`,
    );
  }
  process.exitCode = over ? 1 : 0;
}

main().then(
  () => process.exit(),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
