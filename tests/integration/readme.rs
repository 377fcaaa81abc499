//! The README stays true to the code: its keys table is the keymap's, its layout the tree.

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

/// The README's layout names every file and folder at the top of `src/`, and nothing else.
#[test]
fn the_readme_layout_matches_the_source_tree() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let start = readme
        .find("## Layout")
        .expect("README has a layout section");
    let block = &readme[start..];
    let opening = "```\nsrc/\n";
    let block = &block[block.find(opening).expect("the layout starts at src/") + opening.len()..];
    let mut named: Vec<String> = Vec::new();
    // The names stand in the first 34 columns ("  name, name"), the descriptions after; a
    // line with no name there continues the description above it.
    for line in block.lines().take_while(|l| l.starts_with("  ")) {
        let names = line.get(..34).unwrap_or(line).trim();
        named.extend(
            names
                .split(',')
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty()),
        );
    }
    named.sort();
    let mut tree: Vec<String> = std::fs::read_dir(format!("{root}/src"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_dir() {
                format!("{name}/")
            } else {
                name
            }
        })
        .filter(|n| n != "lib.rs")
        .collect();
    tree.sort();
    assert_eq!(named, tree);
}
