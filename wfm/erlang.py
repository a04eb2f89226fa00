r"""Erlang B, Erlang C and Erlang A (M/M/N+M) queueing formulas, exact and vectorised.

Every function takes scalars or NumPy arrays (broadcast against each other) and returns
a float or an array of the broadcast shape.  Units: ``traffic`` is the offered load in
Erlang (calls × AHT / interval length), ``aht``, ``patience`` and ``answer_within`` are
in seconds.

Method
------
Erlang B is evaluated in closed form through the regularised upper incomplete gamma
function :math:`Q`,

.. math:: B(N, A) = \frac{A^N e^{-A} / N!}{Q(N + 1, A)},

in log space (no factorial, no :math:`A^N`), which costs the same for 10 agents or
20 000 and never overflows.  Where :math:`Q` underflows (deep overload, :math:`N \ll A`)
the series :math:`1/B = \sum_j N^{\underline{j}} / A^j` takes over.  Erlang C follows
from B by :math:`C = N B / (N - A (1 - B))`.

Erlang A uses the closed forms of Mandelbaum & Zeltyn through the regularised lower
incomplete gamma :math:`P(a, x)` with :math:`a = N\mu/\theta`, :math:`x = \lambda/\theta`;
the offered wait :math:`V` of a caller who finds :math:`j` others waiting satisfies
:math:`e^{-\theta V} \sim \mathrm{Beta}(a, j + 1)`, which gives

.. math:: P(V > t \mid \text{wait}) = P(a, x e^{-\theta t}) / P(a, x).

Searches for the least number of agents walk up from a lower bound that is provably
not above the answer (Erlang C: stability and occupancy) with the forward Erlang B
recursion, or bisect over monotone criteria (Erlang A); they are vectorised over
intervals.

References
----------
.. [1] Cooper, R. B. (1981). *Introduction to Queueing Theory*, 2nd ed. North Holland.
.. [2] Garnett, O., Mandelbaum, A., Reiman, M. (2002). Designing a call center with
   impatient customers. *Manufacturing & Service Operations Management* 4(3), 208–227.
   https://doi.org/10.1287/msom.4.3.208.7753
.. [3] Mandelbaum, A., Zeltyn, S. (2007). Service engineering in action: the Palm/Erlang-A
   queue, with applications to call centers. In *Advances in Services Innovations*,
   Springer, 17–45. https://doi.org/10.1007/978-3-540-29860-1_2
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammainc, gammaincc, gammaln

from wfm.errors import InputError

__all__ = [
    "erlang_b",
    "erlang_c",
    "service_level",
    "average_speed_of_answer",
    "occupancy",
    "agents_for_service_level",
    "agents_for_asa",
    "agents_for_abandon_rate",
    "agents_needed",
    "erlang_a",
    "ErlangA",
    "traffic_intensity",
]

# Below this, Q(N+1, A) is computed with too few significant digits (or underflows):
# switch to the series for 1/B.
_TINY = 1e-280
# Relative tolerance when comparing a computed service level with its target, so
# that a target hit exactly on paper is not missed by one rounding error.
_TARGET_RTOL = 1e-12


# --------------------------------------------------------------------------- helpers
def _as_float(name: str, value, *, min_value: float | None = 0.0, strict: bool = False):
    arr = np.asarray(value, dtype=float)
    if np.isnan(arr).any():
        raise InputError(name, value, "numbers, not NaN")
    if min_value is not None:
        bad = arr <= min_value if strict else arr < min_value
        if bad.any():
            op = ">" if strict else ">="
            raise InputError(name, arr[bad].flat[0] if arr.ndim else float(arr), f"values {op} {min_value}")
    return arr


def _out(arr):
    """Return a Python float for 0-d results, the array otherwise."""
    arr = np.asarray(arr)
    return float(arr) if arr.ndim == 0 else arr


def traffic_intensity(calls, aht_s, interval_s):
    """Offered load in Erlang.

    Parameters
    ----------
    calls : float or array
        Calls offered in the interval.
    aht_s : float or array
        Average handle time [s].
    interval_s : float
        Length of the interval [s].

    Returns
    -------
    float or array
        ``calls * aht_s / interval_s`` [Erlang].
    """
    calls = _as_float("calls", calls)
    aht = _as_float("aht_s", aht_s, strict=True)
    interval = _as_float("interval_s", interval_s, strict=True)
    return _out(calls * aht / interval)


# ------------------------------------------------------------------------- Erlang B
def _erlang_b(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Erlang B for float arrays of equal shape, n >= 0, a >= 0 (no checks)."""
    n, a = np.broadcast_arrays(np.asarray(n, float), np.asarray(a, float))
    out = np.empty(n.shape)
    zero_a = a == 0
    zero_n = n == 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        q = gammaincc(n + 1.0, a)
        log_pmf = n * np.log(a) - a - gammaln(n + 1.0)
        out[...] = np.exp(log_pmf - np.log(q))
    hard = (q < _TINY) & ~zero_a & ~zero_n
    if hard.any():
        out[hard] = _erlang_b_series(n[hard], a[hard])
    out[zero_a] = 0.0
    out[zero_n] = 1.0
    return out


def _erlang_b_series(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """1/B = sum_j n(n-1)...(n-j+1) / a^j; used only where n is well below a."""
    total = np.ones_like(a)
    term = np.ones_like(a)
    k = n.copy()
    active = np.ones(a.shape, bool)
    while active.any():
        term = np.where(active, term * np.maximum(k, 0.0) / a, 0.0)
        total += term
        k -= 1.0
        active &= (term > 1e-17 * total) & (k >= 0)
    return 1.0 / total


def erlang_b(agents, traffic):
    """Blocking probability of the M/M/N/N loss system (Erlang B).

    Parameters
    ----------
    agents : int or array
        Number of servers N >= 0 (non-integer values use the gamma-function extension).
    traffic : float or array
        Offered load A >= 0 [Erlang].

    Returns
    -------
    float or array
        B(N, A) in [0, 1].

    Examples
    --------
    >>> round(erlang_b(10, 5.0), 8)
    0.01838457
    """
    n = _as_float("agents", agents)
    a = _as_float("traffic", traffic)
    return _out(_erlang_b(n, a))


# ------------------------------------------------------------------------- Erlang C
def _erlang_c_from_b(n, a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        c = n * b / (n - a * (1.0 - b))
    return np.where(n > a, c, 1.0)


def _erlang_c(n, a):
    n, a = np.broadcast_arrays(np.asarray(n, float), np.asarray(a, float))
    return _erlang_c_from_b(n, a, _erlang_b(n, a))


def erlang_c(agents, traffic):
    """Probability that an arrival has to wait in M/M/N (Erlang C).

    Parameters
    ----------
    agents : int or array
        Agents on the phones N >= 0.
    traffic : float or array
        Offered load A >= 0 [Erlang].

    Returns
    -------
    float or array
        C(N, A); 1.0 where N <= A (the queue is unstable and everyone waits).

    Examples
    --------
    >>> round(erlang_c(10, 8.0), 6)
    0.409007
    """
    n = _as_float("agents", agents)
    a = _as_float("traffic", traffic)
    return _out(_erlang_c(n, a))


def _service_level(n, a, aht, t, c=None):
    if c is None:
        c = _erlang_c(n, a)
    with np.errstate(over="ignore", invalid="ignore"):
        sl = 1.0 - c * np.exp(-(n - a) * t / aht)
    return np.where(n > a, sl, 0.0)


def service_level(agents, traffic, aht, answer_within):
    """Fraction of calls answered within ``answer_within`` seconds (Erlang C).

    Parameters
    ----------
    agents : int or array
        Agents on the phones.
    traffic : float or array
        Offered load [Erlang].
    aht : float or array
        Average handle time [s], > 0.
    answer_within : float or array
        Service-level threshold [s], >= 0.

    Returns
    -------
    float or array
        ``1 - C(N, A) exp(-(N - A) t / AHT)``; 0.0 where N <= A, 1.0 where A = 0.

    Examples
    --------
    >>> round(service_level(11, 8.0, 180.0, 20.0), 6)
    0.862353
    """
    n = _as_float("agents", agents)
    a = _as_float("traffic", traffic)
    aht = _as_float("aht", aht, strict=True)
    t = _as_float("answer_within", answer_within)
    n, a, aht, t = np.broadcast_arrays(n, a, aht, t)
    return _out(_service_level(n, a, aht, t))


def _asa(n, a, aht, c=None):
    if c is None:
        c = _erlang_c(n, a)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = c * aht / (n - a)
    return np.where(n > a, w, np.inf)


def average_speed_of_answer(agents, traffic, aht):
    """Mean wait of all callers in M/M/N [s] (Erlang C).

    Returns ``C(N, A) * AHT / (N - A)``; ``inf`` where N <= A.
    """
    n = _as_float("agents", agents)
    a = _as_float("traffic", traffic)
    aht = _as_float("aht", aht, strict=True)
    n, a, aht = np.broadcast_arrays(n, a, aht)
    return _out(_asa(n, a, aht))


def occupancy(agents, traffic):
    """Share of on-phone time spent handling calls: ``A / N`` capped at 1 (0 where N = 0)."""
    n = _as_float("agents", agents)
    a = _as_float("traffic", traffic)
    with np.errstate(divide="ignore", invalid="ignore"):
        occ = np.where(n > 0, np.minimum(a / np.where(n > 0, n, 1.0), 1.0), 0.0)
    return _out(occ)


# ------------------------------------------------------------------ agent searches
def _ceil_guarded(x):
    """ceil(x) that does not round 10.000000000000002 up to 11."""
    nearest = np.rint(x)
    return np.where(np.abs(x - nearest) <= 1e-9 * np.maximum(1.0, np.abs(x)), nearest, np.ceil(x))


def _check_target(name, value, *, upper_open=True):
    v = _as_float(name, value)
    if ((v <= 0) | (v >= 1 if upper_open else v > 1)).any():
        raise InputError(name, value, "a fraction in (0, 1)" if upper_open else "a fraction in (0, 1]")
    return v


def _walk_erlang_c(a, n_lo, ok_fn):
    """Least n >= n_lo (elementwise) with ok_fn(n, a, c, idx) true, walking up by 1.

    Uses the closed form for B at the start, then the stable forward recursion
    B(n) = A B(n-1) / (n + A B(n-1)).  Only unresolved intervals are carried along.
    """
    result = n_lo.copy()
    idx = np.flatnonzero(a > 0)
    if idx.size == 0:
        return result
    n = n_lo[idx].astype(float)
    aa = a[idx]
    b = _erlang_b(n, aa)
    for _ in range(1_000_000):
        c = _erlang_c_from_b(n, aa, b)
        ok = ok_fn(n, aa, c, idx)
        if ok.all():
            result[idx] = n
            return result
        done = np.flatnonzero(ok)
        result[idx[done]] = n[done]
        keep = ~ok
        idx, n, aa, b = idx[keep], n[keep] + 1.0, aa[keep], b[keep]
        ab = aa * b
        b = ab / (n + ab)
    raise RuntimeError("agent search did not converge")  # pragma: no cover


def _stable_lower_bound(a, max_occupancy):
    """Least n with n > a and a / n <= max_occupancy; 0 where a = 0."""
    stable = np.floor(a) + 1.0
    occ = _ceil_guarded(a / max_occupancy)
    return np.where(a > 0, np.maximum(stable, occ), 0.0)


def agents_for_service_level(traffic, aht, target, answer_within, max_occupancy=1.0):
    """Least number of agents meeting a service level and an occupancy cap (Erlang C).

    Parameters
    ----------
    traffic : float or array
        Offered load [Erlang].
    aht : float or array
        Average handle time [s].
    target : float or array
        Required fraction answered within ``answer_within``, in (0, 1).
    answer_within : float or array
        Threshold [s].
    max_occupancy : float or array
        Highest allowed occupancy A / N, in (0, 1].

    Returns
    -------
    int or ndarray of int64
        Least N with ``service_level(N) >= target`` and ``A / N <= max_occupancy``;
        0 where the traffic is 0.

    Examples
    --------
    >>> agents_for_service_level(8.0, 180.0, 0.8, 20.0)
    11
    """
    a = _as_float("traffic", traffic)
    aht = _as_float("aht", aht, strict=True)
    sl = _check_target("target", target)
    t = _as_float("answer_within", answer_within)
    occ = _check_target("max_occupancy", max_occupancy, upper_open=False)
    shape = np.broadcast_shapes(a.shape, aht.shape, sl.shape, t.shape, occ.shape)
    a, aht, sl, t, occ = (np.ravel(x) for x in np.broadcast_arrays(a, aht, sl, t, occ))
    goal = sl * (1.0 - _TARGET_RTOL)

    def ok(n, aa, c, idx):
        return _service_level(n, aa, aht[idx], t[idx], c) >= goal[idx]

    n = _walk_erlang_c(a, _stable_lower_bound(a, occ), ok)
    return _int_out(n, shape)


def agents_for_asa(traffic, aht, asa, max_occupancy=1.0):
    """Least number of agents whose mean wait is at most ``asa`` seconds (Erlang C).

    Parameters
    ----------
    traffic : float or array
        Offered load [Erlang].
    aht : float or array
        Average handle time [s].
    asa : float or array
        Highest mean wait of all callers [s], > 0.
    max_occupancy : float or array
        Highest allowed occupancy.

    Returns
    -------
    int or ndarray of int64
    """
    a = _as_float("traffic", traffic)
    aht = _as_float("aht", aht, strict=True)
    w = _as_float("asa", asa, strict=True)
    occ = _check_target("max_occupancy", max_occupancy, upper_open=False)
    shape = np.broadcast_shapes(a.shape, aht.shape, w.shape, occ.shape)
    a, aht, w, occ = (np.ravel(x) for x in np.broadcast_arrays(a, aht, w, occ))
    goal = w * (1.0 + _TARGET_RTOL)

    def ok(n, aa, c, idx):
        return _asa(n, aa, aht[idx], c) <= goal[idx]

    return _int_out(_walk_erlang_c(a, _stable_lower_bound(a, occ), ok), shape)


def _int_out(n, shape):
    n = np.asarray(n).reshape(shape).astype(np.int64)
    return int(n) if n.ndim == 0 else n


# ------------------------------------------------------------------------- Erlang A
@dataclass(frozen=True)
class ErlangA:
    """Performance of the M/M/N+M (Erlang A, Palm) queue.

    Attributes
    ----------
    p_wait : float or ndarray
        Probability an arrival finds all agents busy.
    p_abandon : float or ndarray
        Probability an arrival hangs up before being answered.
    asa : float or ndarray
        Mean time in queue of all arrivals, abandoning ones included [s].
    service_level : float or ndarray
        Calls answered within ``answer_within`` divided by calls offered.
    occupancy : float or ndarray
        Carried load per agent, ``A (1 - p_abandon) / N``.
    """

    p_wait: float | np.ndarray
    p_abandon: float | np.ndarray
    asa: float | np.ndarray
    service_level: float | np.ndarray
    occupancy: float | np.ndarray


def _log_series_m(a, y):
    """log M(a, y), M = sum_j y^j / ((a+1)...(a+j)); used where y is well below a."""
    total = np.ones_like(y)
    term = np.ones_like(y)
    j = 1.0
    active = np.ones(y.shape, bool)
    while active.any():
        term = np.where(active, term * y / (a + j), 0.0)
        total += term
        j += 1.0
        active &= term > 1e-17 * total
    return np.log(total)


def _log_p(a, y):
    """log of the regularised lower incomplete gamma P(a, y), accurate when tiny."""
    with np.errstate(divide="ignore"):
        p = gammainc(a, y)
        out = np.log(p)
    tiny = (p < _TINY) & (y > 0)
    if tiny.any():
        at, yt = a[tiny], y[tiny]
        out[tiny] = at * np.log(yt) - yt - gammaln(at + 1.0) + _log_series_m(at, yt)
    return out


def _erlang_a(n, a, aht, patience, t):
    """Erlang A on broadcast float arrays; returns the five measures as arrays."""
    n, a, aht, patience, t = np.broadcast_arrays(n, a, aht, patience, t)
    shape = n.shape
    n, a, aht, patience, t = (np.array(v, float).ravel() for v in (n, a, aht, patience, t))
    p_wait = np.zeros(n.shape)
    p_ab = np.zeros(n.shape)
    sl = np.ones(n.shape)
    nobody = (n == 0) & (a > 0)
    p_wait[nobody], p_ab[nobody], sl[nobody] = 1.0, 1.0, 0.0
    m = (n > 0) & (a > 0)
    if m.any():
        nn, aa, r, tt = n[m], a[m], patience[m] / aht[m], t[m]
        x = aa * r  # lambda / theta
        s_a = nn * r  # N mu / theta
        b = _erlang_b(nn, aa)
        log_p_ax = _log_p(s_a, x)
        log_s = gammaln(s_a + 1.0) - s_a * np.log(x) + x + log_p_ax  # log of sum_j T_j
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            q = (1.0 - b) / b * np.exp(-log_s)  # Σ_{n<N} π_n / Σ_{n>=N} π_n
            q = np.where(b > 0, q, np.inf)
            pw = 1.0 / (1.0 + q)
            pw = np.where(np.isinf(q), 0.0, pw)
        # P(served | wait) = (a/x) P(a+1, x) / P(a, x) = (N/A) (1 - 1/S)
        served_given_wait = (nn / aa) * -np.expm1(-log_s)
        # P(served within t | wait) = (a/x) [P(a+1, x) - P(a+1, x z)] / P(a, x)
        z = np.exp(-tt / patience[m])
        log_p1_xz = _log_p(s_a + 1.0, x * z)
        within = served_given_wait - (nn / aa) * np.exp(log_p1_xz - log_p_ax)
        p_wait[m] = pw
        p_ab[m] = pw * np.clip(1.0 - served_given_wait, 0.0, 1.0)
        sl[m] = (1.0 - pw) + pw * np.clip(within, 0.0, 1.0)
    asa = p_ab * patience
    with np.errstate(divide="ignore", invalid="ignore"):
        occ = np.where(n > 0, np.minimum(a * (1.0 - p_ab) / np.where(n > 0, n, 1.0), 1.0), 0.0)
    return tuple(v.reshape(shape) for v in (p_wait, p_ab, asa, sl, occ))


def erlang_a(agents, traffic, aht, patience, answer_within=20.0) -> ErlangA:
    """Performance of the Erlang A queue: callers hang up after an exponential patience.

    Parameters
    ----------
    agents : int or array
        Agents on the phones N >= 0.
    traffic : float or array
        Offered load A = λ·AHT [Erlang].
    aht : float or array
        Average handle time 1/μ [s].
    patience : float or array
        Mean patience 1/θ [s], finite and > 0.
    answer_within : float or array
        Service-level threshold [s].

    Returns
    -------
    ErlangA
        ``p_wait``, ``p_abandon``, ``asa`` (mean wait of all arrivals [s]),
        ``service_level`` (answered within t / offered), ``occupancy``.

    Examples
    --------
    >>> r = erlang_a(10, 9.0, 180.0, 300.0, 20.0)
    >>> round(r.p_abandon, 6), round(r.service_level, 6)
    (0.055648, 0.578383)
    """
    n = _as_float("agents", agents)
    a = _as_float("traffic", traffic)
    aht_ = _as_float("aht", aht, strict=True)
    pat = _as_float("patience", patience, strict=True)
    if np.isinf(pat).any():
        raise InputError("patience", patience, "finite seconds (use erlang_c for callers who never hang up)")
    t = _as_float("answer_within", answer_within)
    return ErlangA(*(_out(v) for v in _erlang_a(n, a, aht_, pat, t)))


def _bisect_agents(a, ok, lower):
    """Least integer n >= lower with ok(n, idx) true, for a criterion monotone in n.

    Brackets by doubling, then bisects; vectorised over intervals.
    """
    lo = lower - 1.0  # known (or assumed) failing; checked below
    hi = np.maximum(lower, np.floor(a) + 1.0)
    all_idx = np.arange(a.size)
    # Bracket: grow hi until ok.
    pending = all_idx
    for _ in range(64):
        good = ok(hi[pending], pending)
        if good.all():
            break
        bad = pending[~good]
        lo[bad] = hi[bad]
        hi[bad] = np.ceil(hi[bad] * 2.0) + 1.0
        pending = bad
    else:  # pragma: no cover
        raise RuntimeError("agent search could not bracket the answer")
    # Bisect on (lo, hi]: ok(hi) true; ok(lo) false or lo < lower.
    pending = np.flatnonzero(hi - lo > 1)
    while pending.size:
        mid = np.floor((lo[pending] + hi[pending]) / 2.0)
        good = ok(mid, pending)
        hi[pending[good]] = mid[good]
        lo[pending[~good]] = mid[~good]
        pending = pending[hi[pending] - lo[pending] > 1]
    return hi


def agents_needed(
    traffic,
    aht,
    *,
    service_level=None,
    answer_within=20.0,
    max_occupancy=1.0,
    asa=None,
    max_abandon=None,
    patience=None,
):
    """Least agents meeting every given criterion at once, by Erlang C or Erlang A.

    Parameters
    ----------
    traffic, aht : float or array
        Offered load [Erlang] and average handle time [s].
    service_level : float or array or None
        Required fraction answered within ``answer_within`` [s].
    max_occupancy : float or array
        Highest occupancy (carried load per agent).
    asa : float or array or None
        Highest mean wait of all callers [s].
    max_abandon : float or array or None
        Highest abandon rate; needs ``patience``.
    patience : float or array or None
        Mean patience [s]. ``None`` means Erlang C (nobody hangs up); a value means
        Erlang A, for every criterion.

    Returns
    -------
    int or ndarray of int64
        Least N meeting all criteria; 0 where the traffic is 0.
    """
    if patience is None:
        if max_abandon is not None:
            raise InputError("max_abandon", max_abandon, "a patience (Erlang A) to go with it")
        parts = [np.asarray(_walk_lower_bound(traffic, max_occupancy))]
        if service_level is not None:
            parts.append(agents_for_service_level(traffic, aht, service_level, answer_within, max_occupancy))
        if asa is not None:
            parts.append(agents_for_asa(traffic, aht, asa, max_occupancy))
        out = np.maximum.reduce(np.broadcast_arrays(*parts))
        return int(out) if np.ndim(out) == 0 else out.astype(np.int64)

    a = _as_float("traffic", traffic)
    aht_ = _as_float("aht", aht, strict=True)
    pat = _as_float("patience", patience, strict=True)
    t = _as_float("answer_within", answer_within)
    occ = _check_target("max_occupancy", max_occupancy, upper_open=False)
    sl = _check_target("service_level", service_level) if service_level is not None else np.asarray(0.0)
    w = _as_float("asa", asa, strict=True) if asa is not None else np.asarray(np.inf)
    ab = _check_target("max_abandon", max_abandon) if max_abandon is not None else np.asarray(1.0)
    shape = np.broadcast_shapes(*(x.shape for x in (a, aht_, pat, t, occ, sl, w, ab)))
    a, aht_, pat, t, occ, sl, w, ab = (
        np.broadcast_to(x, shape).ravel().astype(float) for x in (a, aht_, pat, t, occ, sl, w, ab)
    )
    goal_sl = sl * (1.0 - _TARGET_RTOL)

    def ok(n, idx):
        p_wait, p_ab, asa_, sl_, occ_ = _erlang_a(n, a[idx], aht_[idx], pat[idx], t[idx])
        return (
            (sl_ >= goal_sl[idx])
            & (asa_ <= w[idx] * (1 + _TARGET_RTOL))
            & (p_ab <= ab[idx] * (1 + _TARGET_RTOL))
            & (occ_ <= occ[idx] * (1 + _TARGET_RTOL))
        )

    positive = a > 0
    out = np.zeros(a.shape)
    if positive.any():
        sub = np.flatnonzero(positive)
        lower = np.ones(sub.size)
        out[sub] = _bisect_agents(a[sub], lambda n, i: ok(n, sub[i]), lower)
    return _int_out(out, shape)


def _walk_lower_bound(traffic, max_occupancy):
    a = _as_float("traffic", traffic)
    occ = _check_target("max_occupancy", max_occupancy, upper_open=False)
    return _stable_lower_bound(*np.broadcast_arrays(a, occ)).astype(np.int64)


def agents_for_abandon_rate(traffic, aht, patience, max_abandon, max_occupancy=1.0):
    """Least agents whose Erlang A abandon rate is at most ``max_abandon``.

    Parameters
    ----------
    traffic : float or array
        Offered load [Erlang].
    aht : float or array
        Average handle time [s].
    patience : float or array
        Mean patience [s].
    max_abandon : float or array
        Highest fraction of callers who hang up, in (0, 1).
    max_occupancy : float or array
        Highest occupancy.

    Returns
    -------
    int or ndarray of int64
    """
    return agents_needed(
        traffic, aht, max_abandon=max_abandon, max_occupancy=max_occupancy, patience=patience
    )
