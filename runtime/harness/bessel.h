// The modified Bessel functions in float for the generated kernels: I₀(x), I₁(x) (torch.i0,
// torch.special.i1) and their scaled forms e^−|x|·Iᵥ(x) (i0e, i1e), the same math as the reference's
// compiler/reference/bessel.ts: the power series to |x| = 20, the asymptotic expansion past it.
#pragma once
#include <cmath>

// (x/2)ᵛ Σₖ tᵏ/(k!(k + ν)!), t = x²/4, until a term no longer changes the sum (≤ 36 terms at |x| ≤ 20)
__device__ __forceinline__ float tsdp_bessel_series(float x, int order) {
    const float t = 0.25f * x * x;
    float term = 1.0f, sum = 1.0f;
    for (int k = 1; k < 48; k++) {
        term *= t / (float)(k * (k + order));
        const float next = sum + term;
        if (next == sum) break;
        sum = next;
    }
    return order == 1 ? 0.5f * x * sum : sum;
}

// Σₖ cₖ|x|⁻ᵏ / √(2π|x|), c₀ = 1, cₖ = −cₖ₋₁·(4ν² − (2k − 1)²)/(8k), for |x| > 20 (without e^|x| and the sign)
__device__ __forceinline__ float tsdp_bessel_expansion(float ax, int order) {
    const float mu = 4.0f * (float)(order * order);
    float term = 1.0f, sum = 1.0f;
    for (int k = 1; k < 30; k++) {
        term *= -(mu - (float)((2 * k - 1) * (2 * k - 1))) / (8.0f * (float)k * ax);
        const float next = sum + term;
        if (next == sum) break;
        sum = next;
    }
    return sum * rsqrtf(6.283185307179586f * ax);
}

// Iᵥ(x) (scaled: e^−|x|·Iᵥ(x)); NaN stays NaN, ±∞ gives ±∞ (scaled: ±0), as the reference
__device__ __forceinline__ float tsdp_bessel(float x, int order, bool scaled) {
    const float ax = fabsf(x);
    if (ax <= 20.0f) {
        const float v = tsdp_bessel_series(x, order);
        return scaled ? v * expf(-ax) : v;
    }
    const float sign = (order == 1 && x < 0.0f) ? -1.0f : 1.0f;
    if (isinf(ax)) return scaled ? sign * 0.0f : sign * INFINITY;
    const float v = sign * tsdp_bessel_expansion(ax, order);
    return scaled ? v : v * expf(ax);
}

__device__ __forceinline__ float tsdp_i0(float x) { return tsdp_bessel(x, 0, false); }
__device__ __forceinline__ float tsdp_i0e(float x) { return tsdp_bessel(x, 0, true); }
__device__ __forceinline__ float tsdp_i1(float x) { return tsdp_bessel(x, 1, false); }
__device__ __forceinline__ float tsdp_i1e(float x) { return tsdp_bessel(x, 1, true); }
