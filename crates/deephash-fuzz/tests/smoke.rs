//! The CI smoke run: every target on its seeds, its committed corpus (past
//! findings included) and a few thousand mutants, in a few seconds in all.
//! `FUZZ_SMOKE_INPUTS` changes the number per target; `FUZZ_WRITE_CORPUS=1`
//! rewrites the committed seed files from the project's writers.

mod common;

#[global_allocator]
static ALLOC: deephash_fuzz::Capped = deephash_fuzz::Capped;

#[test]
fn every_target_survives_its_seeds_corpus_and_mutants() {
    if std::env::var_os("FUZZ_WRITE_CORPUS").is_some() {
        write_corpus();
    }
    common::run_all(common::env_or("FUZZ_SMOKE_INPUTS", 3000), 1);
}

fn write_corpus() {
    for target in deephash_fuzz::targets::ALL {
        let dir = deephash_fuzz::seeds::corpus_dir(target.name);
        std::fs::create_dir_all(&dir).unwrap();
        for (i, seed) in (target.seeds)().iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i}.bin")), seed).unwrap();
        }
    }
}

#[test]
fn the_allocation_cap_refuses_what_it_should() {
    let mut v: Vec<u8> = Vec::new();
    assert!(v.try_reserve(deephash_fuzz::ALLOC_CAP + 1).is_err());
    assert!(v.try_reserve(1 << 20).is_ok());
}
