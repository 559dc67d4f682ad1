//! The long run: 10^6 inputs per target by default (`FUZZ_INPUTS`), from
//! `FUZZ_SEED` (default 2), optionally only `FUZZ_TARGETS=a,b`. Ignored by
//! default; `scripts/fuzz.sh` runs it. Figures in docs/reliability.md.

mod common;

#[global_allocator]
static ALLOC: deephash_fuzz::Capped = deephash_fuzz::Capped;

#[test]
#[ignore]
fn every_target_survives_a_million_mutants() {
    common::run_all(
        common::env_or("FUZZ_INPUTS", 1_000_000),
        common::env_or("FUZZ_SEED", 2),
    );
}
