"""Differential test: Cartback's sequential test (mSPRT, shared/core/src/engine/sequential_test.rs)
against an independent computation with scipy (pinned in scripts/requirements-references.txt).

Cartback uses the closed form of the mixture likelihood ratio. Here it is computed from its
definition instead: the normal likelihood of the observed difference under each true difference
theta, integrated over the mixing prior N(0, tau^2) (scipy.integrate.quad), divided by the
likelihood under no difference. The always-valid interval is found as the
two differences where that ratio equals 1/alpha (scipy.optimize.brentq), not by the formula.

Cases: proportions (orders per cart) and revenue per cart drawn at random over the sizes the
report sees (100 to 200 000 carts a group), with the tau and alpha the report uses and others.

Usage: experiments.py CARTBACK_BIN CASES [SEED]"""
import json
import math
import random
import subprocess
import sys

from scipy import integrate, optimize


def log_mixture_ratio(d, v, tau):
    """log Lambda from its definition: the likelihood ratio of theta against 0 for the observed
    difference, integrated over the prior N(0, tau^2). Worked in logs with the integrand's peak
    factored out, so large differences neither underflow nor overflow."""
    def log_integrand(th):
        log_lr = ((d - 0.0) ** 2 - (d - th) ** 2) / (2 * v)
        log_prior = -th * th / (2 * tau * tau) - math.log(tau * math.sqrt(2 * math.pi))
        return log_lr + log_prior
    # Where the integrand peaks and how wide it is (it is a Gaussian in theta).
    peak = d * tau * tau / (v + tau * tau)
    width = math.sqrt(v * tau * tau / (v + tau * tau))
    top = log_integrand(peak)
    mass, _ = integrate.quad(
        lambda th: math.exp(log_integrand(th) - top), peak - 40 * width, peak + 40 * width,
        points=[peak], limit=200, epsabs=0, epsrel=1e-12,
    )
    return top + math.log(mass)


def reference(a, b, tau, alpha):
    (na, ma, va), (nb, mb, vb) = a, b
    v = va / na + vb / nb
    d = mb - ma
    p = min(1.0, math.exp(-log_mixture_ratio(d, v, tau)))
    # The interval: every theta0 whose shifted ratio stays below 1/alpha.
    g = lambda w: log_mixture_ratio(w, v, tau) - math.log(1 / alpha)
    hi = math.sqrt(v) + tau
    while g(hi) < 0:
        hi *= 2
    w = optimize.brentq(g, 0.0, hi, xtol=1e-15, rtol=1e-12)
    return d, d - w, d + w, p


def cases(n, rng):
    out = []
    for i in range(n):
        na, nb = rng.randint(100, 200_000), rng.randint(100, 200_000)
        if i % 2 == 0:
            base = rng.uniform(0.01, 0.4)
            pa = round(base * na) / na
            pb = round(min(1.0, max(0.0, rng.gauss(base, 0.03))) * nb) / nb if i % 4 else pa
            a, b = [na, pa, pa * (1 - pa)], [nb, pb, pb * (1 - pb)]
            pooled = (pa * na + pb * nb) / (na + nb)
        else:
            mean = rng.uniform(50, 20_000)  # minor units per cart
            ma, mb = mean, mean * rng.uniform(0.8, 1.25)
            a = [na, ma, (mean * rng.uniform(1, 8)) ** 2]
            b = [nb, mb, (mean * rng.uniform(1, 8)) ** 2]
            pooled = (ma * na + mb * nb) / (na + nb)
        if a[2] + b[2] <= 0:
            continue
        tau = 0.2 * pooled if i % 3 else pooled * rng.uniform(0.02, 2.0)
        alpha = 0.05 if i % 5 else rng.choice([0.01, 0.025, 0.1])
        out.append({"a": a, "b": b, "tau": tau, "alpha": alpha})
    return out


def main():
    binary, n = sys.argv[1], int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 19)
    todo = cases(n, rng)
    got = subprocess.run(
        [binary, "sequential-test"], input="".join(json.dumps(c) + "\n" for c in todo),
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    if len(got) != len(todo) or not todo:
        print(f"FAIL {len(got)} answers for {len(todo)} cases")
        sys.exit(1)
    diffs = 0
    worst = 0.0
    for c, line in zip(todo, got, strict=True):
        want = reference(c["a"], c["b"], c["tau"], c["alpha"])
        try:
            have = [float(x) for x in line.split()]
        except ValueError:
            have = []
        scale = math.sqrt(c["a"][2] / c["a"][0] + c["b"][2] / c["b"][0])
        # Difference and interval within 1e-6 of the difference's standard error; the p-value
        # within 1e-6 relative at every size (a p of 1e-12 is not "equal" to one of 1e-7). A
        # missing, NaN or infinite value is a difference, never a small error.
        if len(have) != 4 or not all(math.isfinite(x) for x in [*have, *want]):
            err = math.inf
        else:
            err = max(
                *(abs(h - w) / scale for h, w in zip(have[:3], want[:3], strict=True)),
                abs(have[3] - want[3]) / max(abs(want[3]), sys.float_info.min),
            )
        worst = max(worst, err)
        if not err <= 1e-6:
            diffs += 1
            if diffs <= 10:
                print(f"DIFF {json.dumps(c)}\n  cartback {line!r}\n  scipy    {list(want)}")
    print(f"sequential test: {len(todo)} cases, {diffs} differences (worst relative error {worst:.2e})")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
