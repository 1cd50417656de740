#!/usr/bin/env python3
"""numpy reference for benches/solvers.rs: the same pseudo-spectral algorithms, timed.

NS 256^2 vorticity (2/3 dealiasing, rfft2/irfft2, RK4 and ETDRK4), KS N=256 ETDRK4, Burgers
N=1024 ETDRK4 -- written the way a careful numpy user would (precomputed operators, real FFTs,
vectorized). Prints a JSON object {name: steps per second}.
"""
import json
import sys
import time

import numpy as np


def contour_mean(z, f, m=64):
    r = np.exp(2j * np.pi * (np.arange(m) + 0.5) / m)
    return np.mean(f(z[..., None] + r), axis=-1)


def etdrk4_coefficients(lin, h):
    z = h * lin.astype(complex)
    e, e2 = np.exp(z), np.exp(z / 2)
    q = h * contour_mean(z, lambda r: (np.exp(r / 2) - 1) / r)
    f1 = h * contour_mean(z, lambda r: (-4 - r + np.exp(r) * (4 - 3 * r + r * r)) / r**3)
    f2 = h * contour_mean(z, lambda r: (2 + r + np.exp(r) * (r - 2)) / r**3)
    f3 = h * contour_mean(z, lambda r: (-4 - 3 * r - r * r + np.exp(r) * (4 - r)) / r**3)
    return e, e2, q, f1, f2, f3


def etdrk4_step(u, nonlin, c):
    e, e2, q, f1, f2, f3 = c
    nu = nonlin(u)
    a = e2 * u + q * nu
    na = nonlin(a)
    b = e2 * u + q * na
    nb = nonlin(b)
    cc = e2 * a + q * (2 * nb - nu)
    nc = nonlin(cc)
    return e * u + f1 * nu + 2 * f2 * (na + nb) + f3 * nc


def rk4_step(u, rhs, h):
    k1 = rhs(u)
    k2 = rhs(u + 0.5 * h * k1)
    k3 = rhs(u + 0.5 * h * k2)
    k4 = rhs(u + h * k3)
    return u + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def navier_stokes(n=256, nu=1e-3):
    k = 2 * np.pi * np.fft.fftfreq(n, 1.0 / n)
    kr = 2 * np.pi * np.fft.rfftfreq(n, 1.0 / n)
    ky, kx = np.meshgrid(k, kr, indexing="ij")
    k2 = kx**2 + ky**2
    inv = np.where(k2 > 0, 1 / np.where(k2 > 0, k2, 1), 0)
    cut = (n - 1) // 3
    mask = (np.abs(np.fft.fftfreq(n, 1.0 / n))[:, None] <= cut) & (np.fft.rfftfreq(n, 1.0 / n)[None, :] <= cut)
    x = np.arange(n) / n
    xx, yy = np.meshgrid(x, x)
    f_hat = np.fft.rfft2(0.1 * (np.sin(2 * np.pi * (xx + yy)) + np.cos(2 * np.pi * (xx + yy))))
    lin = -nu * k2

    def nonlin(w):
        psi = w * inv
        u = np.fft.irfft2(1j * ky * psi, s=(n, n))
        v = np.fft.irfft2(-1j * kx * psi, s=(n, n))
        wx = np.fft.irfft2(1j * kx * w, s=(n, n))
        wy = np.fft.irfft2(1j * ky * w, s=(n, n))
        return -np.fft.rfft2(u * wx + v * wy) * mask + f_hat

    rng = np.random.default_rng(0)
    w0 = np.fft.rfft2(rng.standard_normal((n, n))) * mask * np.exp(-k2 / 400)
    return w0, lin, nonlin


def kuramoto_sivashinsky(n=256, length=88.0):
    k = 2 * np.pi * np.fft.rfftfreq(n, length / n)
    mask = np.fft.rfftfreq(n, 1.0 / n) <= (n - 1) // 3
    lin = k**2 - k**4

    def nonlin(u):
        return -0.5j * k * np.fft.rfft(np.fft.irfft(u, n) ** 2) * mask

    x = np.arange(n) * length / n
    return np.fft.rfft(np.cos(2 * np.pi * x / length) + 0.1 * np.sin(6 * np.pi * x / length)), lin, nonlin


def burgers(n=1024, nu=1e-3):
    k = 2 * np.pi * np.fft.rfftfreq(n, 1.0 / n)
    mask = np.fft.rfftfreq(n, 1.0 / n) <= (n - 1) // 3
    lin = -nu * k**2

    def nonlin(u):
        return -0.5j * k * np.fft.rfft(np.fft.irfft(u, n) ** 2) * mask

    return np.fft.rfft(np.sin(2 * np.pi * np.arange(n) / n)), lin, nonlin


def steps_per_second(step, u, steps):
    u = step(u)  # warm-up
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(steps):
            u = step(u)
        best = min(best, time.perf_counter() - t0)
    return steps / best


def main():
    out = {}
    w0, lin, nonlin = navier_stokes()
    h = 1e-4
    out["ns256_rk4"] = steps_per_second(lambda w: rk4_step(w, lambda v: lin * v + nonlin(v), h), w0, 20)
    c = etdrk4_coefficients(lin, h)
    out["ns256_etdrk4"] = steps_per_second(lambda w: etdrk4_step(w, nonlin, c), w0, 20)
    u0, lin, nonlin = kuramoto_sivashinsky()
    c = etdrk4_coefficients(lin, 0.05)
    out["ks256_etdrk4"] = steps_per_second(lambda u: etdrk4_step(u, nonlin, c), u0, 2000)
    u0, lin, nonlin = burgers()
    c = etdrk4_coefficients(lin, 1e-4)
    out["burgers1024_etdrk4"] = steps_per_second(lambda u: etdrk4_step(u, nonlin, c), u0, 1000)
    out["numpy_version"] = np.__version__
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
