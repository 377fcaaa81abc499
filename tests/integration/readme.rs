//! The README stays true to the code: its keys table is the keymap's.

#[test]
fn the_readme_keys_table_matches_the_keymap() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("| key | action |")
        .expect("README has a keys table");
    let rows: Vec<&str> = readme[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .collect();
    let expected: Vec<String> = popwatch::tui::help_lines()
        .into_iter()
        .map(|(keys, help)| format!("| {keys} | {help} |"))
        .collect();
    assert_eq!(rows, expected);
}
