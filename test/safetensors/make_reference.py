# Writes reference.safetensors with the reference implementation (the `safetensors` Python
# package, whose writer is the same Rust serializer `safetensors.torch.save_file` uses).
# Generated with safetensors 0.8.0 and numpy 2.4.6:  python make_reference.py
# test/safetensors.test.ts checks that tsdp decodes this file and re-encodes it byte for byte.
import numpy as np
from safetensors.numpy import save_file

tensors = {
    "fc.weight": np.arange(12, dtype=np.float32).reshape(3, 4) * 0.5,
    "fc.bias": np.array([1.5, -2.0, 3.25], dtype=np.float32),
    "ids": np.array([1, 2, 3], dtype=np.uint8),
    "steps": np.array(7, dtype=np.int64),
    "labels": np.array([[1, -2], [3, 4]], dtype=np.int32),
    "d": np.array([np.pi], dtype=np.float64),
    "h": np.array([1.0, -2.0], dtype=np.float16),
    "empty": np.zeros((0, 3), dtype=np.float32),
    "mask": np.array([True, False]),
}
save_file(tensors, "reference.safetensors", metadata={"format": "pt"})
