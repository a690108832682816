//! Compatibility proven by compiling: a consumer crate written against one generated version,
//! unchanged, is built against the next. After an additive change upstream (a new response
//! field, enum value, optional parameter, optional request field, operation) it must compile,
//! and the change report must call the step minor; after a breaking one (a field removed, a
//! new required input) it must not, and the report must call it major.

use std::path::Path;

use contractfit_codegen::surface::{self, Surface, Verdict};
use contractfit_codegen::{generate, model_of, Config, CrateInfo};
use contractfit_tests::{check_generated, root};

const V1: &str = r##"
openapi: 3.0.0
info: {title: Pets, version: '1'}
paths:
  /pets:
    get:
      operationId: list_pets
      parameters: [{name: limit, in: query, schema: {type: integer}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Pet'}}}}}
    post:
      operationId: create_pet
      requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/NewPet'}}}}
      responses:
        '201': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}
  /pets/{pet_id}:
    get:
      operationId: get_pet
      parameters: [{name: pet_id, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}
components:
  schemas:
    Kind: {type: string, enum: [cat, dog]}
    Pet:
      type: object
      required: [id, name, kind]
      properties:
        id: {type: string}
        name: {type: string}
        kind: {$ref: '#/components/schemas/Kind'}
        tag: {type: string}
    NewPet:
      type: object
      required: [name]
      properties:
        name: {type: string}
        tag: {type: string}
"##;

/// What a user writes against the first version: every call, a value made for a test, the
/// enum matched (with the `_` arm `#[non_exhaustive]` asks for), fields read.
const CONSUMER: &str = r#"
use pets::types::{Kind, NewPet, Pet, PetRequired};
use pets::{Client, Error};

pub async fn describe(client: &Client) -> Result<String, Error> {
    let pet = client.get_pet("p1").send().await?.body;
    let kind = match pet.kind {
        Kind::Cat => "cat",
        Kind::Dog => "dog",
        _ => "something else",
    };
    let created = client
        .create_pet(NewPet::new("Rex").with_tag("good"))
        .send()
        .await?
        .body;
    let all = client.list_pets().limit(10).send().await?.body;
    Ok(format!(
        "{} is a {kind} tagged {:?}; {} created; {} in all",
        pet.name,
        pet.tag,
        created.name,
        all.len()
    ))
}

pub fn stub() -> Pet {
    Pet::new(PetRequired {
        id: "p1".into(),
        name: "Tom".into(),
        kind: Kind::from("cat"),
    })
    .with_tag("striped")
}
"#;

/// What the crate must not let a user write, because the next additive change would break it:
/// a struct literal, and a `match` without `_`. Neither may compile even against the version
/// it was written for; that is what `#[non_exhaustive]` is for.
const FRAGILE: [&str; 2] = [
    r#"
pub fn literal() -> pets::types::Pet {
    use pets::types::{Kind, Pet};
    Pet { id: "p1".into(), name: "Tom".into(), kind: Kind::Cat, tag: None }
}
"#,
    r#"
pub fn exhaustive(kind: &pets::types::Kind) -> u8 {
    use pets::types::Kind;
    match kind {
        Kind::Cat => 1,
        Kind::Dog => 2,
        Kind::Unknown(_) => 3,
    }
}
"#,
];

/// `V1` with additions only (`NewPet`, last in the document, gets its field at the end).
fn additive() -> String {
    let v1 = format!("{V1}        age: {{type: integer}}\n");
    v1.replace(
        "      parameters: [{name: limit, in: query, schema: {type: integer}}]",
        "      parameters: [{name: limit, in: query, schema: {type: integer}}, \
         {name: offset, in: query, schema: {type: integer}}]",
    )
    .replace("enum: [cat, dog]", "enum: [cat, dog, bird]")
    .replace(
        "        tag: {type: string}\n    NewPet:",
        "        tag: {type: string}\n        age: {type: integer}\n    NewPet:",
    )
    .replace(
        "  /pets/{pet_id}:\n    get:",
        "  /pets/{pet_id}:\n    delete:\n      operationId: delete_pet\n      parameters: \
         [{name: pet_id, in: path, required: true, schema: {type: string}}]\n      responses: \
         {'204': {description: gone}}\n    get:",
    )
}

/// `V1` with a field removed and a new required input.
fn breaking() -> String {
    V1.replace(
        "        tag: {type: string}\n    NewPet:",
        "    NewPet:",
    )
    .replace("      required: [name]", "      required: [name, owner]")
    .replace(
        "        name: {type: string}\n        tag: {type: string}",
        "        name: {type: string}\n        owner: {type: string}\n        tag: {type: string}",
    )
}

fn write(path: &Path, contents: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

/// The surface of `document`, and its crate generated into `dir` as `pets`.
fn generate_into(document: &str, dir: &Path) -> Surface {
    let source = dir.join("pets.yaml");
    write(&source, document);
    let config = Config::new(&source).crate_info(CrateInfo {
        name: "pets".into(),
        runtime_path: Some(root().join("runtime").display().to_string()),
        source: "pets.yaml".into(),
        ..CrateInfo::default()
    });
    let generated = generate(&config).unwrap_or_else(|e| panic!("{e}"));
    for file in &generated.files {
        write(&dir.join("pets").join(&file.path), &file.contents);
    }
    let (api, _, _) = model_of(&config).unwrap();
    Surface::of(&api)
}

/// Builds a consumer whose code is `source` against the crate in `dir`; cargo's messages when
/// it does not compile.
fn consumer_against(dir: &Path, source: &str) -> Result<(), String> {
    let consumer = dir.join("consumer");
    write(
        &consumer.join("Cargo.toml"),
        "[package]\nname = \"consumer\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [dependencies]\npets = { path = \"../pets\" }\n\n[workspace]\n",
    );
    write(&consumer.join("src/lib.rs"), source);
    let output = check_generated(&consumer, &[]);
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn additions_compile_and_breaks_do_not_as_the_change_report_says() {
    let base = contractfit_tests::target_dir().join("generated-crates/compat");
    let _ = std::fs::remove_dir_all(&base);
    let v1 = generate_into(V1, &base.join("v1"));
    consumer_against(&base.join("v1"), CONSUMER)
        .unwrap_or_else(|e| panic!("against v1 itself:\n{e}"));
    for fragile in FRAGILE {
        let refused = consumer_against(&base.join("v1"), fragile)
            .expect_err("struct literals and exhaustive matches must be refused");
        assert!(refused.contains("non-exhaustive"), "{refused}");
    }

    let v2 = generate_into(&additive(), &base.join("v2"));
    let changes = v1.changes(&v2);
    let report: Vec<String> = changes.iter().map(ToString::to_string).collect();
    assert_eq!(surface::verdict(&changes), Verdict::Minor, "{report:#?}");
    for expected in [
        "operation `delete_pet` added",
        "operation `list_pets`: setter `offset(i64)` added",
        "type `Kind`: variant `Bird` added",
        "type `Pet`: field `age: Option<i64>` added",
        "type `NewPet`: field `age: Option<i64>` added",
    ] {
        assert!(
            report.iter().any(|r| r.starts_with(expected)),
            "{expected}: {report:#?}"
        );
    }
    consumer_against(&base.join("v2"), CONSUMER)
        .unwrap_or_else(|e| panic!("an additive change broke the consumer:\n{e}"));

    let v3 = generate_into(&breaking(), &base.join("v3"));
    let changes = v1.changes(&v3);
    let report: Vec<String> = changes.iter().map(ToString::to_string).collect();
    assert_eq!(surface::verdict(&changes), Verdict::Major, "{report:#?}");
    let errors = consumer_against(&base.join("v3"), CONSUMER)
        .expect_err("a breaking change must break the consumer's build");
    assert!(errors.contains("tag"), "the removed field: {errors}");
    // `owner` is a second required string of `NewPet`: `new` now takes both by name.
    assert!(
        errors.contains("NewPetRequired"),
        "the new required input: {errors}"
    );
    assert!(
        report
            .iter()
            .any(|r| r.starts_with("type `NewPet`: `new` takes (NewPetRequired")),
        "{report:#?}"
    );
}
