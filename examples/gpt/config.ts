// The GPT example's size, read by the model file (compiled by tsdp) and by train.ts (run by Node).
export interface GPTConfig {
  vocabSize: number;
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
}

/** Bytes 0–127, 32-character context, 2 blocks of 4 heads, width 64 (~110,000 parameters). */
export const config: GPTConfig = { vocabSize: 128, blockSize: 32, nLayer: 2, nHead: 4, nEmbd: 64 };
