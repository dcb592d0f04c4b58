// erf⁻¹ in double, the one copy tsdp's C++ has (compiler/reference/ndarray.ts erfinv is the
// reference's): the harness draws nn.init.trunc_normal_'s inverse CDF with it on the host, and the
// CPU target's shim rounds it to float for CUDA's erfinvf. Giles's single-precision approximation
// (2010) as the start, then Newton's steps on erf; ±∞ at ±1, NaN outside [−1, 1].
#pragma once
#include <cmath>

inline double tsdp_erfinv(double y) {
    if (!(y > -1.0 && y < 1.0)) return y == 1.0 ? INFINITY : y == -1.0 ? -INFINITY : NAN;
    double w = -std::log((1.0 - y) * (1.0 + y)), p;
    if (w < 5.0) {
        w -= 2.5;
        p = 2.81022636e-8;
        for (double c : {3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941}) p = c + p * w;
    } else {
        w = std::sqrt(w) - 3.0;
        p = -0.000200214257;
        for (double c : {0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682}) p = c + p * w;
    }
    double x = p * y;
    for (int step = 0; step < 3; ++step) x -= (std::erf(x) - y) / (1.1283791670955126 * std::exp(-x * x));
    return x;
}
