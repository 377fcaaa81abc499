//! The JSON Schemas in `schemas/` describe what popwatch really prints: they carry the
//! versions and rule ids the code has, they reject documents of another shape, and real output
//! fits them (here for the events no devnet run produces; `golden.rs` validates a real
//! snapshot and a real event stream, `cli.rs` a snapshot of an unreachable chain, `fuzz.rs` the
//! snapshot of any chain answer).

use alloy::primitives::Address;
use popwatch::config::Config;
use popwatch::flags::{Evidence, Flags, RuleId, Severity, Subject, Warning};
use popwatch::state::{AppState, SourceName, Update};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

use crate::support::schema::{self, assert_valid, violations};

const NOW: OffsetDateTime = datetime!(2026-11-25 12:00 UTC);

fn schema_file(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_schemas_carry_the_versions_event_kinds_and_rule_ids_of_the_code() {
    let snapshot = schema_file("snapshot.schema.json");
    assert_eq!(
        snapshot["properties"]["schema_version"]["const"],
        popwatch::snapshot::SCHEMA_VERSION
    );
    let event = schema_file("event.schema.json");
    assert_eq!(
        event["properties"]["schema_version"]["const"],
        popwatch::events::SCHEMA_VERSION
    );
    let rule_ids: Vec<Value> = popwatch::flags::RuleId::ALL
        .iter()
        .map(|id| json!(id.as_str()))
        .collect();
    for schema in [&snapshot, &event] {
        assert_eq!(
            schema["$defs"]["rule_id"]["enum"].as_array().unwrap(),
            &rule_ids
        );
    }
}

/// A snapshot of a state that knows nothing yet: the smallest real document.
fn empty_snapshot() -> Value {
    let state = AppState::new(&Config::default());
    let flags = popwatch::flags::evaluate(&state, NOW, None);
    serde_json::to_value(popwatch::snapshot::to_json(&state, &flags, NOW)).unwrap()
}

#[test]
fn a_snapshot_of_a_state_that_knows_nothing_fits_and_other_shapes_do_not() {
    let real = empty_snapshot();
    assert_valid(schema::snapshot(), &real);
    let mut extra = real.clone();
    extra["surprise"] = json!(1);
    let mut missing = real.clone();
    missing.as_object_mut().unwrap().remove("block");
    let mut old_version = real.clone();
    old_version["schema_version"] = json!(0);
    let mut number_for_amount = real.clone();
    number_for_amount["token"]["total_supply_raw"] = json!(1.6e27);
    for (what, doc) in [
        ("an unknown key", extra),
        ("a missing key", missing),
        ("another version", old_version),
        ("an amount as a float", number_for_amount),
    ] {
        assert!(
            !violations(schema::snapshot(), &doc).is_empty(),
            "the schema accepts {what}"
        );
    }
}

fn warning(id: RuleId) -> Warning {
    Warning {
        id,
        severity: Severity::Warning,
        title: "t".into(),
        detail: "d".into(),
        subject: Some(Subject {
            kind: "wallet",
            id: Address::repeat_byte(0x11).to_checksum(None),
        }),
        evidence: vec![Evidence {
            source: "chain".into(),
            figure: "f".into(),
            value: "1".into(),
            observed_at: None,
        }],
    }
}

/// The kinds a devnet run rarely shows (a flag cleared, a source failing and recovering) fit
/// the event schema, and an event of another shape does not.
#[test]
fn flag_and_source_events_fit_the_event_schema() {
    let mut prev = AppState::new(&Config::default());
    prev.apply(Update::SourceOk {
        source: SourceName::Coingecko,
        at: NOW,
    });
    let mut failed = prev.clone();
    failed.apply(Update::SourceFailed {
        source: SourceName::Coingecko,
        error: "HTTP 500".into(),
    });
    let raised = Flags {
        raised: vec![warning(RuleId::ThinLiquidity)],
        not_evaluated: Vec::new(),
    };
    let events = popwatch::events::diff(&prev, &failed, &raised, &Flags::default(), NOW)
        .into_iter()
        .chain(popwatch::events::diff(
            &failed,
            &prev,
            &Flags::default(),
            &raised,
            NOW,
        ))
        .collect::<Vec<_>>();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind().as_str()).collect();
    for kind in ["flag_cleared", "source_state", "flag_raised"] {
        assert!(kinds.contains(&kind), "{kinds:?}");
    }
    for e in &events {
        let value: Value = serde_json::from_str(&e.json()).unwrap();
        assert_eq!(value["schema_version"], popwatch::events::SCHEMA_VERSION);
        assert_valid(schema::event(), &value);
        let mut unknown_kind = value.clone();
        unknown_kind["kind"] = json!("something_else");
        assert!(!violations(schema::event(), &unknown_kind).is_empty());
        let mut extra = value;
        extra["surprise"] = json!(true);
        assert!(!violations(schema::event(), &extra).is_empty());
    }
}

#[test]
fn help_points_to_each_schema_and_the_files_exist() {
    for (command, file) in [
        ("snapshot", "schemas/snapshot.schema.json"),
        ("events", "schemas/event.schema.json"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_popwatch"))
            .args([command, "--help"])
            .output()
            .unwrap();
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(help.contains(file), "{command} --help: {help}");
        assert!(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(file)
                .is_file()
        );
    }
}
