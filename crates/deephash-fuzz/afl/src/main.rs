//! AFL++ harness: `deephash-afl TARGET` runs one target of `deephash-fuzz`
//! (`npy`, `dhc`, `index`, `mat5`, `list`, `code_text`, `image`, `multipart`)
//! in AFL's persistent mode. Built and run by `scripts/fuzz_afl.sh`
//! (`cargo afl build`, then `cargo afl fuzz` with the committed corpus as seeds).
//!
//! Each input goes through the target's checksum repair first (so that the
//! fuzzer reaches the parser behind the CRCs of `.dhc` and index files) and
//! then its check; a check that reports a wrong answer panics, and a panic, a
//! refused allocation over the cap or any other abort is a crash for AFL.

use deephash_fuzz::Capped;

#[global_allocator]
static ALLOC: Capped = Capped;

fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    let Some(target) = deephash_fuzz::targets::by_name(&name) else {
        let names: Vec<_> = deephash_fuzz::targets::ALL.iter().map(|t| t.name).collect();
        eprintln!("usage: deephash-afl TARGET (one of {})", names.join(", "));
        std::process::exit(2);
    };
    afl::fuzz!(|data: &[u8]| {
        let mut input = data.to_vec();
        (target.repair)(&mut input);
        if let Err(message) = (target.check)(&input) {
            panic!("{}: {message}", target.name);
        }
    });
}
