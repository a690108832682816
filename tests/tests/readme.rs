//! Every Rust snippet of the workspace README compiles against the generated crate: each is
//! extracted, wrapped in an async function that provides what the README's prose assumes
//! (a `client`, an `id`, a `token`, a `key`, your own `reqwest` client), and the lot is checked
//! as a crate outside the workspace. A snippet that names a method that does not exist fails
//! here, with the README line it starts on. (The generated crate's own README is its crate
//! documentation, so its examples are doctests.)

use contractfit_tests::{check_generated, root};

/// The README's ```rust blocks, each with the line it starts on.
fn snippets(readme: &str) -> Vec<(usize, String)> {
    let mut snippets = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (number, line) in readme.lines().enumerate() {
        match &mut current {
            None if line.trim_start() == "```rust" => current = Some((number + 2, String::new())),
            Some(_) if line.trim_start() == "```" => snippets.extend(current.take()),
            Some((_, code)) => {
                code.push_str(line);
                code.push('\n');
            }
            None => {}
        }
    }
    snippets
}

/// The crate that holds every snippet, each in a function of its own, and where each
/// snippet's first line is in it (the line of `lib.rs` and of the README).
fn consumer(snippets: &[(usize, String)]) -> (String, Vec<(usize, usize)>) {
    let mut code = String::from(
        "#![allow(unused, unreachable_code, unused_variables)]\n\
         use std::time::Duration;\n\
         use contractfit::runtime::http::header::AUTHORIZATION;\n\
         use contractfit::runtime::http::HeaderValue;\n",
    );
    let mut starts = Vec::new();
    for (line, snippet) in snippets {
        code.push_str(&format!(
            "\nasync fn snippet_at_line_{line}() -> Result<(), Box<dyn std::error::Error>> {{\n\
             let client = contractfit::Client::builder().build()?;\n\
             let (id, token, key) = (\"doc-1\", \"a-token\", \"a-key\");\n\
             let my_reqwest_client = contractfit::runtime::reqwest::Client::new();\n"
        ));
        starts.push((code.lines().count() + 1, *line));
        code.push_str(snippet);
        code.push_str("Ok(())\n}\n");
    }
    (code, starts)
}

/// cargo's `src/lib.rs:LINE:` locations turned into the README's lines.
fn in_readme_lines(messages: &str, starts: &[(usize, usize)]) -> String {
    messages
        .lines()
        .map(|message| {
            let line = message
                .strip_prefix("src/lib.rs:")
                .and_then(|rest| rest.split(':').next())
                .and_then(|line| line.parse::<usize>().ok());
            let readme = line.and_then(|line| {
                starts
                    .iter()
                    .rev()
                    .find(|(start, _)| *start <= line)
                    .map(|(start, readme)| readme + (line - start))
            });
            match readme {
                Some(readme) => format!("README.md line {readme}: {message}"),
                None => message.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The README's way of reading a prediction is the example crate's, which its tests run
/// against the fake: the text is the same, so what the README shows is what runs.
#[test]
fn the_readme_reads_a_prediction_as_the_tested_example_does() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let example =
        std::fs::read_to_string(root().join("examples/testing-your-code/src/lib.rs")).unwrap();
    let start = example
        .find("/// One candidate of a predicted field")
        .expect("the example reads candidates");
    let function = start
        + example[start..]
            .find("fn total_amount")
            .expect("total_amount");
    let end = function
        + example[function..]
            .find("\n}\n")
            .expect("total_amount ends")
        + 3;
    let reading = &example[start..end];
    assert!(reading.contains("fn total_amount"), "{reading}");
    let shown = snippets(&readme)
        .into_iter()
        .find(|(_, code)| code.contains("fn total_amount"))
        .expect("the README shows how to read a prediction");
    assert!(
        shown.1.contains(reading),
        "README.md line {} differs from examples/testing-your-code/src/lib.rs:\n{reading}",
        shown.0
    );
}

#[test]
fn every_rust_snippet_of_the_readme_compiles() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let snippets = snippets(&readme);
    assert!(snippets.len() >= 6, "the README's snippets: {snippets:#?}");
    let dir = contractfit_tests::target_dir().join("generated-crates/readme");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"readme-snippets\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
             [dependencies]\ncontractfit = {{ path = {:?}, features = [\"testing\", \"batch\"] }}\nfutures = \"0.3\"\nserde = {{ version = \"1\", features = [\"derive\"] }}\n\n[workspace]\n",
            root().join("generated").display().to_string()
        ),
    )
    .unwrap();
    let (code, starts) = consumer(&snippets);
    std::fs::write(dir.join("src/lib.rs"), code).unwrap();
    let output = check_generated(&dir, &[]);
    assert!(
        output.status.success(),
        "a README snippet does not compile:\n{}",
        in_readme_lines(&String::from_utf8_lossy(&output.stderr), &starts)
    );
}
