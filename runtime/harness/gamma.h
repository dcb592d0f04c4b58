// The gamma family in float for the generated kernels: ln|Γ(x)| (torch.lgamma), ψ(x) (digamma) and
// ψ⁽ⁿ⁾(x) (polygamma), the same math as the reference's compiler/reference/gamma.ts, which states
// PyTorch's values at the poles. CUDA has lgammaf but no digamma: these are tsdp's.
#pragma once
#include <cmath>

// CUDA's lgammaf on the GPU; on the CPU target lgammaf_r, as glibc's lgammaf writes the global
// signgam, a data race between the shim's block threads.
#if defined(__CUDACC__)
__device__ __forceinline__ float tsdp_lgamma(float x) { return lgammaf(x); }
#else
inline float tsdp_lgamma(float x) {
    int sign;
    return lgammaf_r(x, &sign);
}
#endif

// ψ(x): reflection below 0 (by the fractional part, which keeps tan's digits), the recurrence
// ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10, then ψ(x) ~ ln x − 1/(2x) − Σ B₂ₖ/(2k·x²ᵏ).
__device__ __forceinline__ float tsdp_digamma_positive(float x) {
    float shift = 0.0f;
    while (x < 10.0f) {
        shift -= 1.0f / x;
        x += 1.0f;
    }
    if (x == INFINITY) return x;
    const float z = 1.0f / (x * x);
    const float tail = z * (1.0f / 12 + z * (-1.0f / 120 + z * (1.0f / 252 + z * (-1.0f / 240 + z * (1.0f / 132)))));
    return shift + logf(x) - 0.5f / x - tail;
}
__device__ __forceinline__ float tsdp_digamma(float x) {
    if (x == 0.0f) return 1.0f / x > 0.0f ? -INFINITY : INFINITY;  // −∞ at +0, +∞ at −0
    if (x < 0.0f) {
        if (x == truncf(x)) return NAN;
        return tsdp_digamma_positive(1.0f - x) - 3.14159265358979f / tanf(3.14159265358979f * (x - truncf(x)));
    }
    return tsdp_digamma_positive(x);
}

// ψ⁽ⁿ⁾(x) = (−1)ⁿ⁺¹·n!·ζ(n + 1, x) for n ≥ 1: the Hurwitz zeta's terms until x + k ≥ 10, then its
// Euler–Maclaurin tail z^(1−s)/(s − 1) + z^−s/2 + Σ B₂ⱼ/(2j)!·(s)₂ⱼ₋₁·z^(−s−2j+1).
__device__ __forceinline__ float tsdp_polygamma(int n, float x) {
    if (n == 0) return tsdp_digamma(x);
    if (x != x) return x;
    float factorial = 1.0f;
    for (int i = 2; i <= n; ++i) factorial *= (float)i;
    const float s = (float)(n + 1);
    float zeta;
    if (x <= 0.0f && x == floorf(x)) {
        zeta = INFINITY;  // a pole
    } else {
        float sum = 0.0f, z = x;
        while (z < 10.0f) {
            sum += powf(z, -s);
            z += 1.0f;
        }
        const float bernoulli[5] = {1.0f / 12, -1.0f / 720, 1.0f / 30240, -1.0f / 1209600, 1.0f / 47900160};
        float tail = powf(z, 1.0f - s) / (s - 1.0f) + 0.5f * powf(z, -s), rising = s, power = powf(z, -s - 1.0f);
        for (int j = 0; j < 5; ++j) {
            tail += bernoulli[j] * rising * power;
            rising *= (s + 2 * j + 1) * (s + 2 * j + 2);
            power /= z * z;
        }
        zeta = sum + tail;
    }
    return (n % 2 == 1 ? 1.0f : -1.0f) * factorial * zeta;
}
