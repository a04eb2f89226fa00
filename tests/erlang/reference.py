"""High-precision reference values, computed by other routes than wfm.erlang.

* Erlang B by the textbook recursion 1/B(k) = 1 + (k/A)/B(k-1), in 50-digit arithmetic.
* Erlang C from its definition (sums of A^k/k!), not from B.
* Erlang A from the truncated birth-death chain of M/M/N+M; the service level from the
  hypoexponential law of the offered wait of a caller who finds j others waiting
  (a sum of exponentials with rates N mu + k theta, k = 0..j), not from the
  incomplete-gamma closed form the engine uses.
"""

from __future__ import annotations

import mpmath as mp

DPS = 50


def erlang_b(n: int, a: float) -> float:
    with mp.workdps(DPS):
        a = mp.mpf(a)
        inv = mp.mpf(1)
        for k in range(1, int(n) + 1):
            inv = 1 + k / a * inv
        return float(1 / inv)


def erlang_c(n: int, a: float) -> float:
    if n <= a:
        return 1.0
    with mp.workdps(DPS):
        a = mp.mpf(a)
        term = mp.mpf(1)  # A^k / k!
        head = mp.mpf(0)
        for k in range(int(n)):
            head += term
            term = term * a / (k + 1)
        tail = term * n / (n - a)  # A^N/N! * N/(N-A)
        return float(tail / (head + tail))


def service_level(n: int, a: float, aht: float, t: float) -> float:
    if n <= a:
        return 0.0
    with mp.workdps(DPS):
        c = mp.mpf(erlang_c(n, a))
        return float(1 - c * mp.exp(-(n - mp.mpf(a)) * t / aht))


def asa(n: int, a: float, aht: float) -> float:
    if n <= a:
        return float("inf")
    return erlang_c(n, a) * aht / (n - a)


def erlang_a(
    n: int, a: float, aht: float, patience: float, t: float, tol: float = 1e-30, with_sl: bool = True
):
    """(p_wait, p_abandon, service_level) of M/M/N+M by brute force."""
    with mp.workdps(40):
        mu = 1 / mp.mpf(aht)
        theta = 1 / mp.mpf(patience)
        lam = mp.mpf(a) * mu
        w = mp.mpf(1)
        head = mp.mpf(0)
        for k in range(n):  # states 0..N-1
            head += w
            w = w * lam / ((k + 1) * mu)
        states = [w]  # states N+j, j >= 0
        total_states = w
        j = 0
        while True:
            j += 1
            w = w * lam / (n * mu + j * theta)
            states.append(w)
            total_states += w
            if j > 5 and w < tol * (head + total_states):
                break
        total = head + total_states
        p_wait = total_states / total
        mean_queue = sum(jj * q for jj, q in enumerate(states)) / total
        p_abandon = theta * mean_queue / lam
        if not with_sl:
            return float(p_wait), float(p_abandon), float("nan")
    # The hypoexponential coefficients alternate in sign and cancel for long queues:
    # 200 digits keep 1e-15 accuracy where 60 digits lose half of them.
    with mp.workdps(200):
        mu, theta = 1 / mp.mpf(aht), 1 / mp.mpf(patience)
        within = mp.mpf(0)
        for jj, pi in enumerate(states):
            within += mp.mpf(pi) / total * _served_within(n * mu, theta, jj, t)
        sl = (1 - p_wait) + within
    return float(p_wait), float(p_abandon), float(sl)


def _served_within(c, theta, j, t):
    """E[exp(-theta V); V <= t] for V = sum_{k=0..j} Exp(c + k theta).

    With distinct rates r_k the density is sum_k w_k r_k exp(-r_k v), where
    w_k = prod_{m != k} r_m / (r_m - r_k) = prod_{m != k} (s + m) / (m - k), s = c / theta.
    """
    s = c / theta
    full = mp.rf(s, j + 1)  # prod_{m=0..j} (s + m)
    out = mp.mpf(0)
    for k in range(j + 1):
        rk = c + k * theta
        wk = full / (s + k) / ((-1) ** k * mp.factorial(k) * mp.factorial(j - k))
        out += wk * rk * (1 - mp.exp(-(rk + theta) * t)) / (rk + theta)
    return out
