// make bench-model: onnxruntime-node's per-node times (enableProfiling, intraOpNumThreads `threads`,
// default 1), summed over `reps` runs after warm-up and divided by them.
// usage: node ort_profile.js model.onnx input.bin float32|int64 reps [threads]
// prints one line per node: "<ms per run> <op> <node>"
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const [model, input, dtype, repsArg, threadsArg] = process.argv.slice(2);
  const reps = parseInt(repsArg || '20', 10);
  const threads = parseInt(threadsArg || '1', 10);
  const warm = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const dims = warm.inputMetadata[0].shape;
  if (!dims.every((d) => Number.isInteger(d) && d > 0)) throw new Error(`symbolic input shape ${dims}`);
  const buf = fs.readFileSync(input);
  const data = dtype === 'int64' ? new BigInt64Array(buf.buffer, buf.byteOffset, buf.length / 8)
    : new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const prefix = `/tmp/ort_profile_${process.pid}`;
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
    enableProfiling: true, profileFilePrefix: prefix,
  });
  const feeds = { [session.inputNames[0]]: new ort.Tensor(dtype, data, dims) };
  for (let i = 0; i < 3; i++) await session.run(feeds);
  const t0 = Date.now();
  for (let i = 0; i < reps; i++) await session.run(feeds);
  const wall = (Date.now() - t0) / reps;
  session.endProfiling();
  const file = fs.readdirSync('/tmp').filter((f) => f.startsWith(`ort_profile_${process.pid}`)).map((f) => `/tmp/${f}`)[0];
  const events = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.unlinkSync(file);
  // the last `reps` runs of every node (the first 3 were warm-up)
  const per = new Map();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const node = e.name.slice(0, -'_kernel_time'.length);
    const v = per.get(node) || { op: (e.args && e.args.op_name) || '?', durs: [] };
    v.durs.push(e.dur);
    per.set(node, v);
  }
  for (const [node, v] of per) {
    const last = v.durs.slice(-reps);
    const ms = last.reduce((a, b) => a + b, 0) / last.length / 1000;
    console.log(`${ms.toFixed(5)} ${v.op} ${node}`);
  }
  console.error(`onnxruntime: ${wall.toFixed(3)} ms per run (wall, with profiling)`);
}
main().catch((e) => { console.error(e.message); process.exit(1); });
