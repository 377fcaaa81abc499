//! The JSON Schemas of popwatch's machine output (`schemas/`), for validating real output.

use std::path::Path;
use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::Value;

fn load(name: &str) -> Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    jsonschema::validator_for(&schema)
        .unwrap_or_else(|e| panic!("{} is not a valid JSON Schema: {e}", path.display()))
}

/// `schemas/snapshot.schema.json`, compiled once.
pub fn snapshot() -> &'static Validator {
    static SCHEMA: OnceLock<Validator> = OnceLock::new();
    SCHEMA.get_or_init(|| load("snapshot.schema.json"))
}

/// `schemas/event.schema.json`, compiled once.
pub fn event() -> &'static Validator {
    static SCHEMA: OnceLock<Validator> = OnceLock::new();
    SCHEMA.get_or_init(|| load("event.schema.json"))
}

/// The reasons `instance` does not fit `schema`, each with where in the document it is.
pub fn violations(schema: &Validator, instance: &Value) -> Vec<String> {
    schema
        .iter_errors(instance)
        .map(|e| format!("at {}: {e}", e.instance_path()))
        .collect()
}

/// Panics with every violation (and the document) when `instance` does not fit `schema`.
pub fn assert_valid(schema: &Validator, instance: &Value) {
    let problems = violations(schema, instance);
    assert!(
        problems.is_empty(),
        "does not fit its JSON Schema:\n  {}\n{instance:#}",
        problems.join("\n  ")
    );
}
