//! Policy text of arbitrary bytes: the parser's fast path (fields, categories and purposes
//! read by hand, every other item by pest) builds pest's own tree pair for pair, parsed as a
//! file and as a piece, or refuses exactly the text pest refuses.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(difference) = lawful::syntax::fast_path_agrees(text) {
        panic!("the fast path and pest disagree: {difference}");
    }
});
