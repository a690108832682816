//! The generated crate's public surface, as users see it: what each client method takes and
//! returns, and what each type holds. Two surfaces compare into a change report with a semver
//! verdict, so that regenerating from a new document says what it means for users.
//!
//! The command-line tool is part of the surface too: scripts name its commands and flags as
//! code names methods and fields.
//!
//! A surface is kept beside the generated crate (`surface.json`) and read back at the next
//! generation: the comparison is between what users have and what they will get, whatever
//! changed in between (the document, the overlay or the generator).

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use serde::{Deserialize, Serialize};

use crate::model::tool::{Arg, Body, Layout, ValueKind};
use crate::model::{
    Api, Field, Goes, Primitive, RequestContent, SuccessBody, TypeDef, TypeKind, TypeRef,
};

/// What the crate offers, by Rust name; every type is written as Rust would show it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Surface {
    pub operations: BTreeMap<String, OperationSurface>,
    pub types: BTreeMap<String, TypeSurface>,
    /// The command-line tool's commands by their words (`documents get`). Absent from
    /// surfaces written before the tool existed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub commands: BTreeMap<String, CommandSurface>,
    /// Whether the crate has typed stubs of its operations (`testing`, feature `testing`);
    /// each operation's stub follows the operation. Absent from earlier surfaces.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stubs: bool,
    /// The `Client` methods that start a batch of uploads (feature `batch`), each with its
    /// arguments (`inbox_id: String`). Absent from earlier surfaces.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub batches: BTreeMap<String, Vec<String>>,
    /// The `contractfit-runtime` releases the crate is built on, as a semver-compatible
    /// requirement (`0.4`): the crate re-exports its types (`Error`, `ClientBuilder`, …), so
    /// another one is a breaking change even when nothing generated changed. Absent from
    /// surfaces written on runtimes before 0.4.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub runtime: String,
}

/// What a script writes to run a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandSurface {
    /// Positional arguments, in order (`<DOCUMENT_ID>`, `<FILE|DIR>…`).
    pub positionals: Vec<String>,
    /// Flags without dashes, each with what it takes (`string`, `one of: A, B`), marked
    /// `required` when it must be given.
    pub flags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationSurface {
    /// `GET /documents/{document_id}`.
    pub request: String,
    /// The method's arguments, in order (`name: Type`): required parameters, then the body.
    pub arguments: Vec<String>,
    /// Setters for optional parameters (and optional bodies).
    pub setters: BTreeMap<String, String>,
    /// What `send()` gives back.
    pub returns: String,
    pub deprecated: bool,
    /// The method's builder (`builders::UploadDocument`) and its stub's record of a call
    /// (`testing::UploadDocumentCall`): types a user can name. Absent from earlier surfaces.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub builder: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub call: String,
    /// The waiters that poll this operation: the client method and its builder
    /// (`wait_until_document_processed` → `WaitUntilDocumentProcessed`); a waiter's `send`
    /// resolves to what the operation returns. Absent from earlier surfaces.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub waiters: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TypeSurface {
    Struct {
        fields: BTreeMap<String, String>,
        additional: Option<String>,
        /// `new`'s parameters, in order: the fields a value must have.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        new: Vec<String>,
    },
    Enum {
        variants: Vec<String>,
    },
    Alias {
        target: String,
    },
    Form {
        fields: BTreeMap<String, String>,
        /// `new`'s parameters, in order.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        new: Vec<String>,
    },
    /// Variants as `Name(Type)`.
    Union {
        variants: Vec<String>,
    },
}

impl TypeSurface {
    /// What kind of type it is, in a few words.
    fn describe(&self) -> String {
        match self {
            TypeSurface::Struct { .. } => "a struct".into(),
            TypeSurface::Enum { .. } => "an enum".into(),
            TypeSurface::Alias { target } => format!("`{target}`"),
            TypeSurface::Form { .. } => "a form".into(),
            TypeSurface::Union { .. } => "a union".into(),
        }
    }
}

impl Surface {
    pub fn of(api: &Api) -> Surface {
        Surface {
            operations: api
                .operations
                .iter()
                .map(|op| {
                    let body = op.request_body.as_ref().map(|body| match &body.content {
                        RequestContent::Json { ty, .. } => rust(ty),
                        RequestContent::UrlEncoded { ty } => format!("form {}", rust(ty)),
                        RequestContent::Multipart { form } => format!("form {form}"),
                        RequestContent::Binary { media_type } => format!("bytes ({media_type})"),
                    });
                    let arguments: Vec<String> = op
                        .arguments
                        .iter()
                        .map(|a| match (a.goes, &body) {
                            (Goes::Body | Goes::Bytes, Some(body)) => format!("body: {body}"),
                            _ => format!("{}: {}", a.rust_name, rust(&a.ty)),
                        })
                        .collect();
                    let mut setters: BTreeMap<String, String> = op
                        .parameters
                        .iter()
                        .filter(|p| !p.required)
                        .map(|p| (p.rust_name.clone(), rust(&p.ty)))
                        .collect();
                    // A form's optional fields are set one by one; any other optional body whole.
                    match (
                        op.request_body.as_ref().map(|b| (&b.content, b.required)),
                        body,
                    ) {
                        (Some((RequestContent::Multipart { form }, _)), _) => setters.extend(
                            api.form_fields(form)
                                .iter()
                                .filter(|f| !f.must_have())
                                .map(|f| (f.rust_name.clone(), rust(&f.ty))),
                        ),
                        (Some((_, false)), Some(body)) => {
                            setters.insert("body".into(), body);
                        }
                        _ => {}
                    }
                    let returns = match op.success_body() {
                        SuccessBody::Json(ty) => rust(&ty),
                        SuccessBody::Binary { .. } => "ByteStream".into(),
                        SuccessBody::Raw => "RawBody".into(),
                    };
                    let surface = OperationSurface {
                        request: format!("{} {}", op.method.as_str(), op.path.template),
                        arguments,
                        setters,
                        returns,
                        deprecated: op.deprecated,
                        builder: op.builder.clone(),
                        call: op.call.clone(),
                        waiters: op
                            .waiters
                            .iter()
                            .map(|w| (w.method.clone(), w.builder.clone()))
                            .collect(),
                    };
                    (op.name.clone(), surface)
                })
                .collect(),
            types: api
                .types
                .iter()
                .map(|def| (def.name.clone(), type_surface(def)))
                .collect(),
            commands: commands(&api.tool),
            stubs: true,
            runtime: compatible(env!("CARGO_PKG_VERSION")),
            batches: api
                .batch_uploads()
                .map(|(op, upload)| {
                    let arguments = op
                        .arguments
                        .iter()
                        .filter(|a| !a.is_file())
                        .map(|a| format!("{}: {}", a.rust_name, rust(&a.ty)))
                        .collect();
                    (upload.batch_method.clone(), arguments)
                })
                .collect(),
        }
    }

    /// As stored beside the crate: pretty JSON, keys sorted, ending in a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a surface is plain data");
        text.push('\n');
        text
    }

    pub fn from_json(text: &str) -> Result<Surface, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// `old`, one of this surface's operations, as surfaces are written now. Surfaces written
    /// before the signature was made in build gave a multipart body as one argument or setter,
    /// `body: form <Form type>`, where the method takes the form's fields (and its builder sets
    /// the others): such an operation's arguments and setters are taken to be `new`'s, since
    /// the old encoding cannot say what they were, and what changed in the form shows as its
    /// type's fields.
    fn read_as_now(&self, old: &OperationSurface, new: &OperationSurface) -> OperationSurface {
        let is_form = |text: &str| {
            text.strip_prefix("form ")
                .is_some_and(|name| matches!(self.types.get(name), Some(TypeSurface::Form { .. })))
        };
        let old_form = old
            .arguments
            .iter()
            .filter_map(|a| a.strip_prefix("body: "))
            .chain(old.setters.get("body").map(String::as_str))
            .any(is_form);
        if !old_form {
            return old.clone();
        }
        OperationSurface {
            arguments: new.arguments.clone(),
            setters: new.setters.clone(),
            ..old.clone()
        }
    }

    /// What changed from `self` (what users have) to `new` (what they will get).
    pub fn changes(&self, new: &Surface) -> Vec<Change> {
        let mut changes = Vec::new();
        let renamed_operations =
            renames(&self.operations, &new.operations, |op| op.request.clone());
        let renamed_types = renames(&self.types, &new.types, |ty| {
            serde_json::to_string(ty).unwrap_or_default()
        });
        for (what, renamed) in [("operation", &renamed_operations), ("type", &renamed_types)] {
            for (from, to) in renamed {
                changes.push(Change {
                    renamed: Some((from.clone(), to.clone())),
                    ..major(format!("{what} `{from}` renamed to `{to}`"))
                });
            }
        }
        for (from, to) in &renamed_operations {
            let new_operation = &new.operations[to];
            // Its builder and its stub's record are renamed with it: said once, above.
            let old_operation = OperationSurface {
                builder: new_operation.builder.clone(),
                call: new_operation.call.clone(),
                ..self.read_as_now(&self.operations[from], new_operation)
            };
            operation_changes(to, &old_operation, new_operation, &mut changes);
        }
        let (old_operations, new_operations) =
            without(&self.operations, &new.operations, &renamed_operations);
        diff_maps(
            &old_operations,
            &new_operations,
            "operation",
            &mut changes,
            |name, old, new, out| operation_changes(name, &self.read_as_now(old, new), new, out),
        );
        let (old_types, new_types) = without(&self.types, &new.types, &renamed_types);
        diff_maps(&old_types, &new_types, "type", &mut changes, type_changes);
        if self.commands.is_empty() && !new.commands.is_empty() {
            changes.push(minor(format!(
                "command-line tool added (feature `cli`): {} commands",
                new.commands.len()
            )));
        } else {
            diff_maps(
                &self.commands,
                &new.commands,
                "command",
                &mut changes,
                command_changes,
            );
        }
        match (self.stubs, new.stubs) {
            (false, true) => changes.push(minor(format!(
                "typed stubs of every operation added (`testing`, feature `testing`): {} stubs",
                new.operations.len()
            ))),
            (true, false) => changes.push(major("typed stubs removed (feature `testing`)".into())),
            _ => {}
        }
        if self.runtime != new.runtime {
            let was = match self.runtime.as_str() {
                "" => "an earlier release".to_owned(),
                old => format!("`{old}`"),
            };
            changes.push(major(format!(
                "built on contractfit-runtime `{}` (was {was}; what it changes is in its CHANGELOG.md), whose types the crate re-exports",
                new.runtime
            )));
        }
        diff_maps(
            &self.batches,
            &new.batches,
            "batch method",
            &mut changes,
            |name, old, new, out| {
                out.push(major(format!(
                    "batch method `{name}` takes {} (was {})",
                    new.join(", "),
                    old.join(", ")
                )))
            },
        );
        changes
    }
}

/// The semver-compatible part of `version`: `0.4` for `0.4.1`, `1` for `1.2.3`.
fn compatible(version: &str) -> String {
    let mut parts = version.split('.');
    match (parts.next(), parts.next()) {
        (Some("0"), Some(minor)) => format!("0.{minor}"),
        (Some(major), _) => major.to_owned(),
        _ => version.to_owned(),
    }
}

/// Every command of the tool, workflows included, as scripts write them.
fn commands(layout: &Layout) -> BTreeMap<String, CommandSurface> {
    use crate::model::tool::Place;
    let flags = |args: &[Arg], skip: &[&str], positional_path: bool| {
        args.iter()
            .filter(|a| !skip.contains(&a.name.as_str()))
            .filter(|a| !(positional_path && a.place == Place::Path))
            .map(|a| {
                let takes = match &a.value {
                    ValueKind::Enum(values) => format!("one of: {}", values.join(", ")),
                    other => format!("{other:?}").to_lowercase(),
                };
                let takes = if a.many {
                    format!("{takes}, repeated")
                } else {
                    takes
                };
                let required = a.required && a.place != Place::BodyField;
                let text = if required {
                    format!("{takes}, required")
                } else {
                    takes
                };
                (a.name.clone(), text)
            })
            .collect::<BTreeMap<_, _>>()
    };
    let positionals = |args: &[Arg]| {
        args.iter()
            .filter(|a| a.place == Place::Path)
            .map(|a| format!("<{}>", a.name.to_uppercase().replace('-', "_")))
            .collect::<Vec<_>>()
    };
    let mut commands = BTreeMap::new();
    for group in &layout.groups {
        for command in &group.commands {
            let mut surface = CommandSurface {
                positionals: positionals(&command.args),
                flags: flags(&command.args, &[], true),
            };
            if !matches!(command.body, Body::None | Body::Multipart) {
                surface
                    .flags
                    .insert("body".into(), "text, @file or -".into());
            }
            if let Some(pages) = &command.pages {
                let listing = CommandSurface {
                    positionals: surface.positionals.clone(),
                    flags: flags(&command.args, &[pages.page_arg.as_str()], true),
                };
                commands.insert(format!("{} {}", group.name, pages.command), listing);
            }
            commands.insert(format!("{} {}", group.name, command.name), surface);
        }
    }
    let batch = |mut flags: BTreeMap<String, String>| {
        flags.insert("max-wait".into(), "seconds".into());
        flags.insert("concurrency".into(), "integer".into());
        flags
    };
    for wait in &layout.waits {
        let others = layout
            .command_of(&wait.operation)
            .map(|c| flags(&c.args, &[wait.id_arg.as_str()], false));
        commands.insert(
            wait.name.clone(),
            CommandSurface {
                positionals: vec!["<ID>…".into()],
                flags: batch(others.unwrap_or_default()),
            },
        );
    }
    if let Some(upload) = &layout.upload {
        let mut others = layout
            .command_of(&upload.operation)
            .map(|c| flags(&c.args, &[upload.file_arg.as_str()], false))
            .unwrap_or_default();
        others.insert("wait".into(), "switch".into());
        others.insert("journal".into(), "file".into());
        others.insert("resume".into(), "switch".into());
        others.insert("upload-duplicates".into(), "switch".into());
        commands.insert(
            "upload".into(),
            CommandSurface {
                positionals: vec!["<FILE|DIR>…".into()],
                flags: batch(others),
            },
        );
        let mut status = BTreeMap::new();
        status.insert("journal".into(), "file, required".into());
        status.insert("files".into(), "switch".into());
        // As the tool adds it: unless the API has a tag named `batch`.
        if !layout.groups.iter().any(|g| g.name == "batch") {
            commands.insert(
                "batch status".into(),
                CommandSurface {
                    positionals: Vec::new(),
                    flags: status,
                },
            );
        }
    }
    commands
}

fn command_changes(name: &str, old: &CommandSurface, new: &CommandSurface, out: &mut Vec<Change>) {
    if old.positionals != new.positionals {
        out.push(major(format!(
            "command `{name}` takes {} (was {})",
            words(&new.positionals),
            words(&old.positionals)
        )));
    }
    for (flag, takes) in &old.flags {
        match new.flags.get(flag) {
            None => out.push(major(format!("command `{name}`: --{flag} removed"))),
            Some(new_takes) if new_takes != takes => {
                // More enum values, or a flag no longer required, break no script.
                let widened = new_takes.strip_suffix(", required").is_none()
                    && takes.strip_suffix(", required").unwrap_or(takes) == new_takes
                    || enum_values(takes).is_some_and(|old_values| {
                        enum_values(new_takes).is_some_and(|new_values| {
                            old_values.iter().all(|v| new_values.contains(v))
                        })
                    });
                out.push(Change {
                    verdict: if widened {
                        Verdict::Minor
                    } else {
                        Verdict::Major
                    },
                    text: format!("command `{name}`: --{flag} takes {new_takes} (was {takes})"),
                    renamed: None,
                });
            }
            Some(_) => {}
        }
    }
    for (flag, takes) in new
        .flags
        .iter()
        .filter(|(f, _)| !old.flags.contains_key(*f))
    {
        let verdict = if takes.ends_with(", required") {
            Verdict::Major
        } else {
            Verdict::Minor
        };
        out.push(Change {
            verdict,
            text: format!("command `{name}`: --{flag} ({takes}) added"),
            renamed: None,
        });
    }
}

fn words(items: &[String]) -> String {
    if items.is_empty() {
        "no arguments".into()
    } else {
        items.join(" ")
    }
}

/// The values of an enum flag's description (`one of: A, B`).
fn enum_values(takes: &str) -> Option<Vec<&str>> {
    let values = takes.strip_prefix("one of: ")?;
    let values = values.strip_suffix(", required").unwrap_or(values);
    let values = values.strip_suffix(", repeated").unwrap_or(values);
    Some(values.split(", ").collect())
}

fn type_surface(def: &TypeDef) -> TypeSurface {
    let fields = |fields: &[Field]| {
        fields
            .iter()
            .map(|f| (f.rust_name.clone(), field_type(f)))
            .collect()
    };
    let new = |fields: &[Field]| {
        fields
            .iter()
            .filter(|f| f.must_have())
            .map(|f| f.rust_name.clone())
            .collect::<Vec<_>>()
    };
    match &def.kind {
        TypeKind::Struct(s) => TypeSurface::Struct {
            fields: fields(&s.fields),
            additional: Some(rust(&s.additional)),
            // Named arguments are one argument, a struct whose fields are in any order.
            new: match &s.named_new {
                Some(required) => vec![format!("{required} {{ {} }}", new(&s.fields).join(", "))],
                None => new(&s.fields),
            },
        },
        TypeKind::Enum(variants) => TypeSurface::Enum {
            variants: variants.iter().map(|v| v.rust_name.clone()).collect(),
        },
        TypeKind::Alias(target) => TypeSurface::Alias {
            target: rust(target),
        },
        TypeKind::Form(f) => TypeSurface::Form {
            fields: fields(f),
            new: new(f),
        },
        TypeKind::Union(u) => TypeSurface::Union {
            variants: u
                .variants
                .iter()
                .map(|v| {
                    let ty = rust(&v.ty);
                    let ty = if v.boxed { format!("Box<{ty}>") } else { ty };
                    format!("{}({ty})", v.rust_name)
                })
                .collect(),
        },
    }
}

/// A field's Rust type as the struct declares it.
fn field_type(field: &Field) -> String {
    let inner = rust(&field.ty);
    let inner = if field.boxed {
        format!("Box<{inner}>")
    } else {
        inner
    };
    match (field.required, field.nullable) {
        (true, false) => inner,
        (false, true) => format!("Option<Option<{inner}>>"),
        _ => format!("Option<{inner}>"),
    }
}

/// A type as Rust shows it, without paths.
fn rust(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(name) => name.clone(),
        TypeRef::Array(item) => format!("Vec<{}>", rust(item)),
        TypeRef::Map(value) => format!("BTreeMap<String, {}>", rust(value)),
        TypeRef::Nullable(value) => format!("Option<{}>", rust(value)),
        TypeRef::Primitive(p) => match p {
            Primitive::String => "String",
            Primitive::Integer => "i64",
            Primitive::Integer32 => "i32",
            Primitive::Number => "f64",
            Primitive::Boolean => "bool",
            Primitive::DateTime => "DateTime",
            Primitive::Date => "NaiveDate",
            Primitive::File => "FilePart",
            Primitive::Any => "Value",
            Primitive::Object => "Json",
        }
        .to_owned(),
    }
}

/// How far a change reaches, by Cargo's semver rules for a library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Nothing users can name changed (documentation, formatting, internals).
    Patch,
    /// Only additions that no existing use can trip over.
    Minor,
    /// Something users may use was removed or changed: code that compiled may not.
    Major,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Patch => "patch",
            Verdict::Minor => "minor",
            Verdict::Major => "major",
        })
    }
}

/// One change of the surface, said for users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub verdict: Verdict,
    pub text: String,
    /// For a renamed operation or type: its old and new names.
    pub renamed: Option<(String, String)>,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.text, self.verdict)
    }
}

/// The verdict for a set of changes: the furthest-reaching one; `Patch` for none.
pub fn verdict(changes: &[Change]) -> Verdict {
    changes
        .iter()
        .map(|c| c.verdict)
        .max()
        .unwrap_or(Verdict::Patch)
}

/// `version` moved on by `verdict`, the way Cargo reads versions: before 1.0 the minor number
/// is the breaking one and the patch number takes additions.
pub fn bump(version: &str, verdict: Verdict) -> Result<String, String> {
    let parts: Vec<u64> = version
        .split('.')
        .map(|p| p.parse::<u64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("version {version:?} is not MAJOR.MINOR.PATCH"))?;
    let [major, minor, patch] = parts[..] else {
        return Err(format!("version {version:?} is not MAJOR.MINOR.PATCH"));
    };
    Ok(match (major, verdict) {
        (0, Verdict::Major) => format!("0.{}.0", minor + 1),
        (0, _) => format!("0.{minor}.{}", patch + 1),
        (_, Verdict::Major) => format!("{}.0.0", major + 1),
        (_, Verdict::Minor) => format!("{major}.{}.0", minor + 1),
        (_, Verdict::Patch) => format!("{major}.{minor}.{}", patch + 1),
    })
}

/// A CHANGELOG.md entry for `version`.
pub fn changelog_entry(version: &str, date: &str, changes: &[Change]) -> String {
    let mut entry = format!("## {version} ({date}, {})\n\n", verdict(changes));
    if changes.is_empty() {
        entry.push_str("- No change to the public API: documentation or internals only.\n");
    }
    let renamed: Vec<&(String, String)> =
        changes.iter().filter_map(|c| c.renamed.as_ref()).collect();
    if !renamed.is_empty() {
        entry.push_str("Renamed (major):\n\n| old name | new name |\n|---|---|\n");
        for (from, to) in &renamed {
            let _ = writeln!(entry, "| `{from}` | `{to}` |");
        }
        entry.push('\n');
    }
    // What breaks first: a reader looks for it among many additions.
    for level in [Verdict::Major, Verdict::Minor, Verdict::Patch] {
        for change in changes
            .iter()
            .filter(|c| c.renamed.is_none() && c.verdict == level)
        {
            let _ = writeln!(entry, "- {change}");
        }
    }
    entry
}

fn diff_maps<T: PartialEq>(
    old: &BTreeMap<String, T>,
    new: &BTreeMap<String, T>,
    what: &str,
    out: &mut Vec<Change>,
    changed: impl Fn(&str, &T, &T, &mut Vec<Change>),
) {
    for (name, old_item) in old {
        match new.get(name) {
            None => out.push(major(format!("{what} `{name}` removed"))),
            Some(new_item) if new_item != old_item => changed(name, old_item, new_item, out),
            Some(_) => {}
        }
    }
    for name in new.keys().filter(|name| !old.contains_key(*name)) {
        out.push(minor(format!("{what} `{name}` added")));
    }
}

fn major(text: String) -> Change {
    Change {
        verdict: Verdict::Major,
        text,
        renamed: None,
    }
}

fn minor(text: String) -> Change {
    Change {
        verdict: Verdict::Minor,
        text,
        renamed: None,
    }
}

/// Items that left `old` while another came into `new` with the same `key` (an operation's
/// request line, a type's whole shape), one for one: renamed rather than removed and added.
fn renames<T>(
    old: &BTreeMap<String, T>,
    new: &BTreeMap<String, T>,
    key: impl Fn(&T) -> String,
) -> Vec<(String, String)> {
    let mut gone: BTreeMap<String, Vec<&String>> = BTreeMap::new();
    for (name, item) in old.iter().filter(|(name, _)| !new.contains_key(*name)) {
        gone.entry(key(item)).or_default().push(name);
    }
    let mut came: BTreeMap<String, Vec<&String>> = BTreeMap::new();
    for (name, item) in new.iter().filter(|(name, _)| !old.contains_key(*name)) {
        came.entry(key(item)).or_default().push(name);
    }
    gone.iter()
        .filter_map(
            |(key, from)| match (from.as_slice(), came.get(key)?.as_slice()) {
                ([from], [to]) => Some(((*from).clone(), (*to).clone())),
                _ => None,
            },
        )
        .collect()
}

/// `old` and `new` without the renamed items (each side's names of `renamed`), so that what is
/// left compares by name.
fn without<T: Clone>(
    old: &BTreeMap<String, T>,
    new: &BTreeMap<String, T>,
    renamed: &[(String, String)],
) -> (BTreeMap<String, T>, BTreeMap<String, T>) {
    let keep = |map: &BTreeMap<String, T>, gone: &dyn Fn(&String) -> bool| {
        map.iter()
            .filter(|(name, _)| !gone(name))
            .map(|(name, item)| (name.clone(), item.clone()))
            .collect()
    };
    (
        keep(old, &|name| renamed.iter().any(|(from, _)| from == name)),
        keep(new, &|name| renamed.iter().any(|(_, to)| to == name)),
    )
}

fn operation_changes(
    name: &str,
    old: &OperationSurface,
    new: &OperationSurface,
    out: &mut Vec<Change>,
) {
    if old.request != new.request {
        // Same method, another endpoint: calls compile and go elsewhere.
        out.push(major(format!(
            "operation `{name}` now sends `{}` (was `{}`)",
            new.request, old.request
        )));
    }
    if old.arguments != new.arguments {
        out.push(major(format!(
            "operation `{name}` takes ({}) (was ({}))",
            new.arguments.join(", "),
            old.arguments.join(", ")
        )));
    }
    for (setter, ty) in &old.setters {
        match new.setters.get(setter) {
            None => out.push(major(format!(
                "operation `{name}`: setter `{setter}` removed"
            ))),
            Some(new_ty) if new_ty != ty => out.push(major(format!(
                "operation `{name}`: setter `{setter}` takes `{new_ty}` (was `{ty}`)"
            ))),
            Some(_) => {}
        }
    }
    for (setter, ty) in new
        .setters
        .iter()
        .filter(|(s, _)| !old.setters.contains_key(*s))
    {
        out.push(minor(format!(
            "operation `{name}`: setter `{setter}({ty})` added"
        )));
    }
    if old.returns != new.returns {
        out.push(major(format!(
            "operation `{name}` returns `{}` (was `{}`)",
            new.returns, old.returns
        )));
    }
    // A surface written before these were recorded has them empty: nothing to compare.
    for (what, old_name, new_name) in [
        ("builder", &old.builder, &new.builder),
        (
            "stub's call record (feature `testing`)",
            &old.call,
            &new.call,
        ),
    ] {
        if !old_name.is_empty() && old_name != new_name {
            out.push(major(format!(
                "operation `{name}`: {what} `{new_name}` (was `{old_name}`)"
            )));
        }
    }
    for (method, builder) in &old.waiters {
        match new.waiters.get(method) {
            None => out.push(major(format!("waiter `{method}` of `{name}` removed"))),
            Some(new_builder) if new_builder != builder => out.push(major(format!(
                "waiter `{method}` of `{name}`: builder `{new_builder}` (was `{builder}`)"
            ))),
            Some(_) => {}
        }
    }
    if !old.builder.is_empty() {
        for method in new.waiters.keys().filter(|m| !old.waiters.contains_key(*m)) {
            out.push(minor(format!("waiter `{method}` of `{name}` added")));
        }
    }
    if old.deprecated != new.deprecated {
        // Deprecation warns; it does not break a build that does not deny warnings.
        out.push(minor(format!(
            "operation `{name}` {}",
            if new.deprecated {
                "deprecated"
            } else {
                "no longer deprecated"
            }
        )));
    }
}

fn type_changes(name: &str, old: &TypeSurface, new: &TypeSurface, out: &mut Vec<Change>) {
    match (old, new) {
        (
            TypeSurface::Struct {
                fields: old_fields,
                additional: old_additional,
                new: old_new,
            },
            TypeSurface::Struct {
                fields: new_fields,
                additional: new_additional,
                new: new_new,
            },
        ) => {
            fields_changes(name, old_fields, new_fields, out);
            constructor_changes(name, old_new, new_new, out);
            if old_additional.is_none() && new_additional.is_some() {
                // A new public field of a `#[non_exhaustive]` struct: nothing that compiled stops.
                out.push(minor(format!(
                    "type `{name}`: keeps additional properties as {}",
                    new_additional.as_deref().unwrap_or_default()
                )));
            } else if old_additional != new_additional {
                out.push(major(format!(
                    "type `{name}`: additional properties now {} (were {})",
                    new_additional.as_deref().unwrap_or("not kept"),
                    old_additional.as_deref().unwrap_or("not kept")
                )));
            }
        }
        (
            TypeSurface::Form {
                fields: old_fields,
                new: old_new,
            },
            TypeSurface::Form {
                fields: new_fields,
                new: new_new,
            },
        ) => {
            fields_changes(name, old_fields, new_fields, out);
            constructor_changes(name, old_new, new_new, out);
        }
        (
            TypeSurface::Enum {
                variants: old_variants,
            },
            TypeSurface::Enum {
                variants: new_variants,
            },
        ) => {
            for variant in old_variants.iter().filter(|v| !new_variants.contains(v)) {
                out.push(major(format!("type `{name}`: variant `{variant}` removed")));
            }
            for variant in new_variants.iter().filter(|v| !old_variants.contains(v)) {
                // The enums are `#[non_exhaustive]`: every `match` already has a `_` arm.
                out.push(minor(format!("type `{name}`: variant `{variant}` added")));
            }
        }
        (
            TypeSurface::Union {
                variants: old_variants,
            },
            TypeSurface::Union {
                variants: new_variants,
            },
        ) => {
            for variant in old_variants.iter().filter(|v| !new_variants.contains(v)) {
                out.push(major(format!(
                    "type `{name}`: variant `{variant}` removed or changed"
                )));
            }
            for variant in new_variants.iter().filter(|v| !old_variants.contains(v)) {
                out.push(minor(format!("type `{name}`: variant `{variant}` added")));
            }
        }
        (TypeSurface::Alias { target: old_target }, TypeSurface::Alias { target: new_target }) => {
            out.push(major(format!(
                "type `{name}` is now `{new_target}` (was `{old_target}`)"
            )))
        }
        _ => out.push(major(format!(
            "type `{name}` is now {} (was {})",
            new.describe(),
            old.describe()
        ))),
    }
}

fn fields_changes(
    name: &str,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    out: &mut Vec<Change>,
) {
    for (field, ty) in old {
        match new.get(field) {
            None => out.push(major(format!("type `{name}`: field `{field}` removed"))),
            Some(new_ty) if new_ty != ty => out.push(major(format!(
                "type `{name}`: field `{field}` is `{new_ty}` (was `{ty}`)"
            ))),
            Some(_) => {}
        }
    }
    for (field, ty) in new.iter().filter(|(f, _)| !old.contains_key(*f)) {
        // The types are `#[non_exhaustive]` and made with `new`: an optional field only adds a
        // setter, a field a value must have adds a parameter to `new`.
        let text = format!("type `{name}`: field `{field}: {ty}` added");
        out.push(if ty.starts_with("Option<") {
            minor(text)
        } else {
            major(format!("{text}, a parameter of `new`"))
        });
    }
}

/// `new`'s parameters in another order, the same names: calls still compile and pass their
/// values to the wrong fields; or taken by name where they were positional, or back, or by a
/// struct of another name (`AuthModelRequired2`, the document having taken the name): calls
/// stop compiling. (Added or removed ones are reported as fields.)
fn constructor_changes(name: &str, old: &[String], new: &[String], out: &mut Vec<Change>) {
    let mut old_sorted = old.to_vec();
    let mut new_sorted = new.to_vec();
    old_sorted.sort();
    new_sorted.sort();
    let named = |params: &[String]| params.iter().any(|p| p.contains('{'));
    if old != new && (old_sorted == new_sorted || named(old) || named(new)) {
        out.push(major(format!(
            "type `{name}`: `new` takes ({}) (was ({}))",
            new.join(", "),
            old.join(", ")
        )));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A surface written before the signature was made in build gave a multipart upload as
    /// `body: form <Form>`; read beside today's, it reports nothing for the operation (the
    /// form's own changes show as its type's). (Before: every multipart operation was a major
    /// change, and a regeneration with nothing changed bumped the major version.)
    #[test]
    fn a_form_body_in_an_earlier_surface_is_not_a_change() {
        let form = r#"{"kind": "form", "fields": {"file": "FilePart", "sync": "Option<bool>"}, "new": ["file"]}"#;
        let old = format!(
            r#"{{"operations": {{"upload": {{"request": "POST /d/{{id}}", "arguments": ["id: String", "body: form UploadForm"], "setters": {{}}, "returns": "RawBody", "deprecated": false}}}}, "types": {{"UploadForm": {form}}}}}"#
        );
        let new = format!(
            r#"{{"operations": {{"upload": {{"request": "POST /d/{{id}}", "arguments": ["id: String", "file: FilePart"], "setters": {{"sync": "bool"}}, "returns": "RawBody", "deprecated": false, "builder": "Upload", "call": "UploadCall"}}}}, "types": {{"UploadForm": {form}}}}}"#
        );
        let (old, new) = (
            Surface::from_json(&old).unwrap(),
            Surface::from_json(&new).unwrap(),
        );
        let changes: Vec<String> = old.changes(&new).into_iter().map(|c| c.text).collect();
        assert!(changes.is_empty(), "{changes:?}");
    }

    fn command(positionals: &[&str], flags: &[(&str, &str)]) -> CommandSurface {
        CommandSurface {
            positionals: positionals.iter().map(|p| p.to_string()).collect(),
            flags: flags
                .iter()
                .map(|(f, t)| (f.to_string(), t.to_string()))
                .collect(),
        }
    }

    fn verdicts(old: &CommandSurface, new: &CommandSurface) -> Vec<(Verdict, String)> {
        let mut changes = Vec::new();
        command_changes("documents get", old, new, &mut changes);
        changes.into_iter().map(|c| (c.verdict, c.text)).collect()
    }

    #[test]
    fn command_changes_break_scripts_only_when_they_must() {
        let old = command(
            &["<DOCUMENT_ID>"],
            &[
                ("how", "one of: FULL, SOURCE_FILES"),
                ("name", "string, required"),
            ],
        );
        let wider = command(
            &["<DOCUMENT_ID>"],
            &[
                ("how", "one of: FULL, SOURCE_FILES, NONE"),
                ("name", "string"),
                ("x-fields", "string"),
            ],
        );
        let wider = verdicts(&old, &wider);
        assert_eq!(wider.len(), 3, "{wider:?}");
        assert!(wider.iter().all(|(v, _)| *v == Verdict::Minor), "{wider:?}");

        let narrower = command(
            &["<DOCUMENT_ID>", "<PAGE>"],
            &[("how", "one of: FULL"), ("reviewer", "string, required")],
        );
        let narrower = verdicts(&old, &narrower);
        assert_eq!(narrower.len(), 4, "{narrower:?}");
        assert!(
            narrower.iter().all(|(v, _)| *v == Verdict::Major),
            "{narrower:?}"
        );
        assert!(narrower
            .iter()
            .any(|(_, t)| t == "command `documents get`: --name removed"));
    }
}
