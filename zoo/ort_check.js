// make zoo's second oracle: onnxruntime-node runs a model on a raw input and its output is
// compared with another raw output (torch's, or aitune-c's reference on the same input).
// usage: node ort_check.js model.onnx input.bin float32|int64 other.bin
// prints "max_abs_err max_abs_expected"
const fs = require('fs');
const path = require('path');
const ort = require(path.join(__dirname, '..', 'bench', 'node_modules', 'onnxruntime-node'));

async function main() {
  const [model, input, dtype, other] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all',
  });
  const buf = fs.readFileSync(input);
  const dims = session.inputMetadata[0].shape;
  if (!dims.every((d) => Number.isInteger(d) && d > 0)) throw new Error(`symbolic input shape ${dims}`);
  const data = dtype === 'int64'
    ? new BigInt64Array(buf.buffer, buf.byteOffset, buf.length / 8)
    : new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor(dtype, data, dims) });
  const y = out[session.outputNames[0]].data;
  const ob = fs.readFileSync(other);
  const e = new Float32Array(ob.buffer, ob.byteOffset, ob.length / 4);
  if (e.length !== y.length) throw new Error(`output has ${y.length} elements, the other ${e.length}`);
  let worst = 0, emax = 0;
  for (let i = 0; i < y.length; i++) {
    const err = Math.abs(y[i] - e[i]);
    worst = Number.isNaN(err) ? Infinity : Math.max(worst, err);
    emax = Math.max(emax, Math.abs(e[i]));
  }
  console.log(`${worst.toPrecision(3)} ${emax.toPrecision(3)}`);
}
main().catch((e) => { console.error(e.message); process.exit(1); });
