//! The committed C header `include/galerkin_rom.h` is what cbindgen generates from the
//! sources now: a changed signature without a regenerated header fails here (and in CI).
//! `GALERKIN_BLESS=1 cargo test -p galerkin-capi --test header` rewrites it.

use std::path::Path;

#[test]
fn committed_header_is_up_to_date() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("capi/cbindgen.toml parses");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir.join("src/lib.rs"))
        .generate()
        .expect("cbindgen parses the C ABI sources")
        .write(&mut generated);
    let generated = String::from_utf8(generated).expect("header is UTF-8");
    let path = crate_dir.join("include/galerkin_rom.h");
    if std::env::var_os("GALERKIN_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write include/galerkin_rom.h");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/galerkin_rom.h is stale: regenerate it with \
         `GALERKIN_BLESS=1 cargo test -p galerkin-capi --test header` and commit it"
    );
}
