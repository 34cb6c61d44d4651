// make bench: onnxruntime-node on one thread (or `threads`), median ms per call of `batch`
// items (the shared models have a static batch of 1: a batch is that many runs).
// usage: node ort_bench.js model.onnx input.f32 batch [threads [float32|int64]]
const fs = require('fs');
const ort = require('onnxruntime-node');

async function main() {
  const [model, input, batchArg] = process.argv.slice(2);
  const batch = parseInt(batchArg || '1', 10);
  const threads = parseInt(process.argv[5] || '1', 10);
  const dtype = process.argv[6] || 'float32';
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const meta = session.inputNames[0];
  const buf = fs.readFileSync(input);
  const data = dtype === 'int64' ? new BigInt64Array(buf.buffer, buf.byteOffset, buf.length / 8)
    : new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  // the input's declared shape, from the model (the shared models' dims are static)
  const dims = session.inputMetadata[0].shape;
  if (!dims.every((d) => Number.isInteger(d) && d > 0)) throw new Error(`symbolic input shape ${dims}`);
  const feeds = { [meta]: new ort.Tensor(dtype, data, dims) };
  const runBatch = async () => { for (let b = 0; b < batch; b++) await session.run(feeds); };
  await runBatch();
  const t0 = process.hrtime.bigint();
  await runBatch();
  const once = Number(process.hrtime.bigint() - t0) / 1e6;
  const reps = once > 5 ? 1 : Math.floor(5 / (once + 1e-6)) + 1;
  const samples = [];
  for (let i = 0; i < 15; i++) {
    const a = process.hrtime.bigint();
    for (let r = 0; r < reps; r++) await runBatch();
    samples.push(Number(process.hrtime.bigint() - a) / 1e6 / reps);
  }
  samples.sort((x, y) => x - y);
  console.log(samples[7].toFixed(4));
}
main().catch((e) => { console.error(e.message); process.exit(1); });
