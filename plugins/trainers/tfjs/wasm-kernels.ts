/**
 * Two fixes that make the wasm backend able and fast to train, installed once when it is chosen.
 *
 * 1. A faster matrix product (wasm-matmul.ts): explicit transposes, and the operand XNNPACK packs
 *    chosen per shape. Every trainer in the process gets faster, `model.fit` included.
 * 2. Gradient kernels wasm lacks, so any layers model trains: a conv net's filter gradient
 *    (Conv2DBackpropFilter) by a direct loop over the batch (~50× faster than the cpu backend's,
 *    which indexes element by element), the others by the cpu backend's implementation on copies
 *    of the inputs.
 */
import * as tf from '@tensorflow/tfjs';
import { inputOf, type KernelBackend, type KernelFunc, type TensorInfo } from './wasm-kernel-types.ts';
import { installFusedMatMul, installMatMul } from './wasm-matmul.ts';
import { at } from '../../../core/indexed.ts';

/** Float kernels registered for cpu but not wasm in tfjs 4.22 that training can need. */
const BRIDGED_KERNELS = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'UnsortedSegmentSum',
  'Einsum',
] as const;

let installed: string[] | undefined;

/** Installs both fixes once; returns what was installed (for the trainer's info). */
export function installWasmKernels(): string[] {
  if (installed) return installed;
  installed = [];
  if (installMatMul()) installed.push('BatchMatMul: explicit transposes, packing measured per shape');
  if (installFusedMatMul()) installed.push('_FusedMatMul: unfused where the batch is narrower than the layer');
  if (installConvFilterGradient()) installed.push('Conv2DBackpropFilter: js');
  for (const name of BRIDGED_KERNELS) if (bridgeToCpu(name)) installed.push(`${name}: cpu`);
  return installed;
}

/**
 * dW[kh, kw, ci, co] = Σ over batch and output pixels of x[b, oy·s + kh − top, ox·s + kw − left, ci] ·
 * dy[b, oy, ox, co], for NHWC data (the layers default); other layouts go to the cpu bridge.
 */
function installConvFilterGradient(): boolean {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- tfjs types getKernel as always found; it returns undefined for a kernel not registered
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return false;
  const fallback = tf.getKernel('Conv2DBackpropFilter', 'cpu');
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- tfjs types getKernel as always found; it returns undefined for a kernel not registered
  const bridged = fallback ? cpuBridge(fallback.kernelFunc as unknown as KernelFunc) : undefined;
  const kernel: KernelFunc = (args) => {
    const { inputs, backend, attrs } = args;
    const x = inputOf(inputs, 'x');
    const dy = inputOf(inputs, 'dy');
    const format = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat as 'NHWC' | 'NCHW');
    if (format !== 'channelsLast' && bridged) return bridged(args);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      attrs.filterShape as [number, number, number, number],
      attrs.strides as [number, number],
      1,
      attrs.pad as 'same',
      attrs.dimRoundingMode as 'floor' | undefined,
      false,
      format,
    );
    const xs = backend.readSync(x.dataId) as Float32Array;
    const dys = backend.readSync(dy.dataId) as Float32Array;
    const {
      batchSize,
      inHeight,
      inWidth,
      inChannels,
      outHeight,
      outWidth,
      outChannels,
      filterHeight,
      filterWidth,
      strideHeight,
      strideWidth,
    } = info;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const dw = new Float32Array(filterHeight * filterWidth * inChannels * outChannels);
    for (let b = 0; b < batchSize; b++) {
      for (let oy = 0; oy < outHeight; oy++) {
        for (let kh = 0; kh < filterHeight; kh++) {
          const iy = oy * strideHeight - top + kh;
          if (iy < 0 || iy >= inHeight) continue;
          for (let ox = 0; ox < outWidth; ox++) {
            const dyBase = ((b * outHeight + oy) * outWidth + ox) * outChannels;
            for (let kw = 0; kw < filterWidth; kw++) {
              const ix = ox * strideWidth - left + kw;
              if (ix < 0 || ix >= inWidth) continue;
              const xBase = ((b * inHeight + iy) * inWidth + ix) * inChannels;
              const wBase = (kh * filterWidth + kw) * inChannels * outChannels;
              for (let ci = 0; ci < inChannels; ci++) {
                const xv = at(xs, xBase + ci);
                if (xv === 0) continue;
                const row = wBase + ci * outChannels;
                for (let co = 0; co < outChannels; co++) dw[row + co] = at(dw, row + co) + xv * at(dys, dyBase + co);
              }
            }
          }
        }
      }
    }
    const shape = [filterHeight, filterWidth, inChannels, outChannels];
    return { dataId: backend.write(dw, shape, 'float32'), shape, dtype: 'float32' };
  };
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: kernel as unknown as tf.KernelFunc });
  return true;
}

function bridgeToCpu(kernelName: string): boolean {
  const cpuKernel = tf.getKernel(kernelName, 'cpu');
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- tfjs types getKernel as always found; it returns undefined for a kernel not registered
  if (!cpuKernel || tf.getKernel(kernelName, 'wasm')) return false;
  tf.registerKernel({
    kernelName,
    backendName: 'wasm',
    kernelFunc: cpuBridge(cpuKernel.kernelFunc as unknown as KernelFunc) as unknown as tf.KernelFunc,
  });
  return true;
}

/** Runs a cpu kernel on copies of a wasm kernel's inputs and copies its outputs back. */
function cpuBridge(run: KernelFunc): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const cpu = tf.findBackend('cpu') as unknown as KernelBackend & { firstUse?: boolean };
    // The cpu backend prints a "use tfjs-node" banner on first use; it is a helper here, not the backend.
    cpu.firstUse = false;
    const copies: Record<string, TensorInfo> = {};
    const made: object[] = [];
    try {
      for (const [name, info] of Object.entries(inputs)) {
        if (!info) continue;
        const dataId = cpu.write(backend.readSync(info.dataId), info.shape, info.dtype);
        made.push(dataId);
        copies[name] = { dataId, shape: info.shape, dtype: info.dtype };
      }
      const result = run({ inputs: copies, backend: cpu, attrs });
      const outputs = Array.isArray(result) ? result : [result];
      made.push(...outputs.map((o) => o.dataId));
      const back = outputs.map((o) => ({
        dataId: backend.write(cpu.readSync(o.dataId), o.shape, o.dtype),
        shape: o.shape,
        dtype: o.dtype,
      }));
      return Array.isArray(result) ? back : at(back, 0);
    } finally {
      for (const dataId of made) cpu.disposeData(dataId, true);
    }
  };
}
