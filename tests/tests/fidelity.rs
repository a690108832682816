//! Nothing lost between the wire and the types: every JSON type of the generated crate decodes
//! what a server may send (values of its schema with optional properties present or absent,
//! properties it does not declare, enum values it does not know, date-times in every form the
//! API writes) and encodes it again as the same JSON; and answers shaped like the real API's
//! decode with nothing missing.

use contractfit_tests::arbitrary::{first_difference, remove_member, Arbitrary};
use serde_json::Value;

#[rustfmt::skip]
#[path = "generated/round_trips.rs"]
mod round_trips;

/// Values tried per type. Seeds are fixed, so a run is repeatable; `FIDELITY_SEED` moves them
/// to explore further.
const VALUES_PER_TYPE: u64 = 64;

#[test]
fn every_type_encodes_the_json_it_decoded() {
    let document = contractfit_tests::document_as_read();
    let base: u64 = std::env::var("FIDELITY_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or(0);
    let mut failures = Vec::new();
    let mut values = 0;
    for (index, (name, pointer, round_trip)) in round_trips::TYPES.iter().enumerate() {
        for round in 0..VALUES_PER_TYPE {
            let seed = base.wrapping_add(((index as u64) << 32) | round);
            let sample = Arbitrary::new(&document, seed).of_pointer(pointer);
            let text = serde_json::to_string(&sample.sent).unwrap();
            values += 1;
            let difference = match round_trip(&text) {
                Ok(again) => {
                    let again: Value = serde_json::from_str(&again).expect("the encoding is JSON");
                    first_difference(&sample.expected, &again)
                }
                Err(error) => Some(error),
            };
            if let Some(difference) = difference {
                failures.push(format!(
                    "{name} (seed {seed}): {difference}\n    sent {text}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {values} values of {} types did not come back the same; the first:\n{}",
        failures.len(),
        round_trips::TYPES.len(),
        failures[..failures.len().min(8)].join("\n")
    );
    eprintln!(
        "{values} values of {} types came back the same",
        round_trips::TYPES.len()
    );
}

/// An answer shaped like the real API's, from `tests/fixtures/answers/`: its text, and the JSON
/// it should come back as (the text without the `null`s at `absent`, optional properties whose
/// schema does not allow `null`: Flask-RESTX's "no value", which the client reads as absent).
fn answer(file: &str, absent: &[&str]) -> (String, Value) {
    let path = contractfit_tests::root()
        .join("tests/fixtures/answers")
        .join(file);
    let text = std::fs::read_to_string(&path).expect("the answer reads");
    let mut expected: Value = serde_json::from_str(&text).expect("the answer is JSON");
    for pointer in absent {
        let removed = remove_member(&mut expected, pointer);
        assert_eq!(removed, Some(Value::Null), "{file}: no null at {pointer}");
    }
    (text, expected)
}

/// Decodes `text` as a `T` and checks that it encodes as `expected`.
fn decodes_losslessly<T: serde::de::DeserializeOwned + serde::Serialize>(
    text: &str,
    expected: &Value,
) -> T {
    let value: T = serde_json::from_str(text).expect("the answer decodes");
    let again = serde_json::to_value(&value).unwrap();
    if let Some(difference) = first_difference(expected, &again) {
        panic!("the answer did not come back the same: {difference}");
    }
    value
}

#[test]
fn a_processed_document_decodes_with_nothing_missing() {
    use contractfit::types::DocumentModelGet;
    let absent = [
        "/last_version",
        "/escalate",
        "/timings/feedback_time",
        "/timings/submit_time",
    ];
    let (text, expected) = answer("document_processed.json", &absent);
    let document: DocumentModelGet = decodes_losslessly(&text, &expected);

    // The prediction, read with a type of the caller's own.
    #[derive(serde::Deserialize)]
    struct Candidate {
        value: String,
        confidence: f64,
    }
    let prediction = document.prediction.as_ref().unwrap();
    let total: Vec<Candidate> = prediction.get_as("total_amount").unwrap().unwrap();
    assert_eq!(
        (total[0].value.as_str(), total[0].confidence),
        ("1234.50", 0.91)
    );
    assert_eq!(
        prediction
            .pointer_as::<String>("/line_items/1/amount/value")
            .unwrap(),
        Some("214.25".to_owned())
    );
    // Feedback in the shape it is sent in.
    let feedback: contractfit::types::Annotations =
        document.feedback.as_ref().unwrap().to_typed().unwrap();
    assert_eq!(feedback["invoice_date"][0].gold, "2023-02-14");
    // Date-times keep their text, with or without an offset.
    let timings = document.timings.as_ref().unwrap();
    let done = timings.done_time.as_ref().unwrap();
    assert_eq!(done.original_text(), Some("2023-02-28T08:47:41.730512"));
    // Fields this client does not know are kept.
    assert_eq!(
        document.additional_properties["tags"],
        serde_json::json!(["urgent", "q1"])
    );
    assert_eq!(
        document.additional_properties["external_ids"]["erp"].as_u64(),
        Some(900719925474099123)
    );
}

#[test]
fn field_settings_and_feedback_annotations_decode_with_nothing_missing() {
    use contractfit::types::{TableExtractionSettingsModel, VersionPost};
    let (text, expected) = answer("table_extraction_settings.json", &[]);
    let settings: TableExtractionSettingsModel = decodes_losslessly(&text, &expected);
    let fields = settings.field_settings.as_ref().unwrap();
    assert_eq!(fields.len(), 3);
    let total = &fields["total_amount"];
    assert_eq!(
        total.nested_field_patterns.as_ref().unwrap()["currency"],
        "^(EUR|USD|GBP)$"
    );
    assert_eq!(fields["line_items"].additional_properties["max_rows"], 200);

    let (text, expected) = answer("version_feedback.json", &[]);
    let version: VersionPost = decodes_losslessly(&text, &expected);
    let annotations = version.annotations.as_ref().unwrap();
    assert_eq!(annotations["invoice_number"].len(), 2);
    assert_eq!(annotations["total_amount"][0].gold, "1234.50");
    let lines = version.lines.as_ref().unwrap();
    assert_eq!(lines["line_items"][1]["amount"].gold, "214.25");
}
