use super::format_source;

fn fmt(text: &str) -> String {
    match format_source(text) {
        Ok(out) => out,
        Err(e) => panic!("{e}\n---\n{text}"),
    }
}

#[test]
fn placeholder() {
    let _ = fmt("category a\n");
}
