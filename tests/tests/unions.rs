//! `oneOf`/`anyOf` types of a generated crate (`tests/fixtures/unions.yaml`) read and written
//! as the document means them: by discriminator, by first fit, and unknown values kept.

use fixture_unions::types::{EvaluateResponse, Expression, Pet};
use serde_json::json;

#[test]
fn a_discriminator_picks_the_variant_through_its_mapping_or_the_schema_name() {
    let pets: Vec<Pet> = serde_json::from_value(json!([
        {"kind": "cat", "name": "Tom"},
        {"kind": "kitten", "name": "Kit"},
        {"kind": "Dog", "barks": true},
        {"kind": "parrot", "words": 12},
    ]))
    .unwrap();
    assert!(matches!(&pets[0], Pet::Cat(cat) if cat.name == "Tom"));
    assert!(matches!(&pets[1], Pet::Cat(cat) if cat.name == "Kit"));
    assert!(matches!(&pets[2], Pet::Dog(dog) if dog.barks));
    // A kind this client does not know is kept, not refused.
    assert!(matches!(&pets[3], Pet::Unknown(value) if value["words"] == 12));
    // Written back as the values themselves.
    assert_eq!(
        serde_json::to_value(&pets[0]).unwrap(),
        json!({"kind": "cat", "name": "Tom"})
    );
    assert_eq!(
        serde_json::to_value(&pets[3]).unwrap(),
        json!({"kind": "parrot", "words": 12})
    );
}

#[test]
fn a_known_tag_with_a_body_that_does_not_fit_is_an_error_naming_the_problem() {
    let error = serde_json::from_value::<Pet>(json!({"kind": "cat"})).unwrap_err();
    assert!(error.to_string().contains("name"), "{error}");
}

#[test]
fn without_a_discriminator_the_first_variant_that_fits_is_taken() {
    let sum: Expression =
        serde_json::from_value(json!({"terms": [{"value": 1.5}, {"terms": []}]})).unwrap();
    let Expression::Sum(sum) = &sum else {
        panic!("not a sum: {sum:?}");
    };
    assert!(matches!(&sum.terms[0], Expression::Variant1(v) if v.value == 1.5));
    assert!(matches!(&sum.terms[1], Expression::Sum(_)));

    let results: Vec<EvaluateResponse> =
        serde_json::from_value(json!([3, "three", [1, 2], {"no": 1}])).unwrap();
    assert!(matches!(results[0], EvaluateResponse::Number(n) if n == 3.0));
    assert!(matches!(&results[1], EvaluateResponse::String(s) if s == "three"));
    assert!(matches!(&results[2], EvaluateResponse::Array(a) if a.len() == 2));
    assert!(matches!(&results[3], EvaluateResponse::Unknown(_)));
}
