// The Node side of tsdp: what user programs import from "tsdp".
export { tensor, type Tensor, type TensorData } from "./tensor.ts";
