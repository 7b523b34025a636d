"""`make bench-two-factor`: what each piece of two-factor sign-in costs in one process.

Sealing and opening a secret (AES-GCM), checking a TOTP code against its window, making a
set of recovery codes at the cost flaskr hashes them with, and checking one recovery code.
No database and no server: the figures are the CPU work a request adds on top of its queries.
Writes `benchmarks/results/two_factor.json`; `--smoke` runs it in a second with cheap hashes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pyotp

from flaskr import config
from flaskr.identity import recovery_codes, totp
from flaskr.identity.secrets_box import Keyring, new_key

from .harness import machine

RESULTS = Path(__file__).resolve().parent / "results"
FULL = {"rounds": config.DEFAULTS["BCRYPT_ROUNDS"], "fast": 2_000, "slow": 9}
SMOKE = {"rounds": 4, "fast": 50, "slow": 3}


def median_ms(action: Callable[[], object], times: int) -> float:
    """The median wall time of `action`, in milliseconds."""
    took = []
    for _ in range(times):
        start = time.perf_counter()
        action()
        took.append(time.perf_counter() - start)
    return round(statistics.median(took) * 1000, 4)


def measure(settings: dict) -> dict:
    keys, secret = Keyring.from_text(new_key()), totp.new_secret()
    sealed = keys.seal(secret, "totp:bench")
    now = datetime.now(UTC)
    code = pyotp.TOTP(secret).at(now)
    codes = recovery_codes.generate(config.DEFAULTS["RECOVERY_CODES"])
    kept = recovery_codes.stored(codes, settings["rounds"])
    fast, slow = settings["fast"], settings["slow"]
    return {
        "bcrypt_rounds": settings["rounds"],
        "recovery_code_cost": min(settings["rounds"], recovery_codes.MAX_ROUNDS),
        "seal_ms": median_ms(lambda: keys.seal(secret, "totp:bench"), fast),
        "open_ms": median_ms(lambda: keys.open(sealed, "totp:bench"), fast),
        "totp_window_check_ms": median_ms(lambda: totp.matching_step(secret, code, now), fast),
        "make_recovery_codes_ms": median_ms(
            lambda: recovery_codes.stored(recovery_codes.generate(len(codes)), settings["rounds"]),
            slow,
        ),
        "recovery_codes": len(codes),
        "check_recovery_code_ms": median_ms(
            lambda: recovery_codes.matching_hash(kept, codes[-1]), slow
        ),
        "check_wrong_recovery_code_ms": median_ms(
            lambda: recovery_codes.matching_hash(kept, "0000-0000-0000-0000"), slow
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.two_factor", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a second, cheap hashes")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where two_factor.json goes")
    args = parser.parse_args(argv)
    figures = measure(SMOKE if args.smoke else FULL)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        **figures,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "two_factor.json").write_text(json.dumps(report, indent=2) + "\n")
    for name, value in figures.items():
        print(f"{name}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
