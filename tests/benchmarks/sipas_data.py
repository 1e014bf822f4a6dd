"""A SIPAS-like synthetic survey for benchmarks: province strata, service-point PSUs, agencies, 22 items."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

N_CRITERIA = 22
N_AGENCIES = 40
N_PROVINCES = 63
N_PSUS = 756  # 12 service points per province


@dataclass
class SipasData:
    province: np.ndarray  # stratum code per row
    psu: np.ndarray  # service point code per row (unique across provinces)
    agency: np.ndarray  # agency code per row
    weight: np.ndarray
    answers: np.ndarray  # (n, 22) codes 1..5, 0 = don't know

    def top2(self, dtype: type = np.float64) -> dict[str, np.ndarray]:
        """0/1 top-two-box columns with NaN for don't know (the proportions the benchmark estimates)."""
        out = {}
        for j in range(self.answers.shape[1]):
            a = self.answers[:, j]
            out[f"c{j + 1:02d}"] = np.where(a == 0, np.nan, (a >= 4)).astype(dtype)
        return out


def make_sipas(n: int, seed: int = 20261122) -> SipasData:
    rng = np.random.default_rng(seed)
    psu = rng.integers(0, N_PSUS, size=n)
    province = psu // (N_PSUS // N_PROVINCES)
    # Each service point serves mostly one agency; a share of its responses concern other agencies.
    psu_agency = rng.integers(0, N_AGENCIES, size=N_PSUS)
    agency = np.where(rng.random(n) < 0.8, psu_agency[psu], rng.integers(0, N_AGENCIES, size=n))
    # Unequal weights: province-level base weight times a lognormal nonresponse adjustment.
    weight = rng.uniform(20, 400, size=N_PROVINCES)[province] * rng.lognormal(0.0, 0.4, size=n)
    quality = rng.normal(0.0, 0.6, size=N_AGENCIES)[agency] + rng.normal(0.0, 0.3, size=N_PSUS)[psu]
    answers = np.empty((n, N_CRITERIA), dtype=np.int8)
    for j in range(N_CRITERIA):  # column by column keeps the 10M-row generator small
        latent = quality + rng.normal(0.0, 1.0, size=n)
        col = np.clip(np.round(3.6 + latent), 1, 5).astype(np.int8)
        col[rng.random(n) < 0.03] = 0
        answers[:, j] = col
    return SipasData(province=province, psu=psu, agency=agency, weight=weight, answers=answers)
