//! Values and calls for the examples in generated docs, written from the model so that they
//! name operations and types that exist, with arguments of the types they take. Every example
//! is a doctest of the crate it documents.

use crate::model::{Api, Goes, Operation, Primitive, SuccessBody, TypeKind, TypeRef};

/// How deep a sample value may nest structs built with `new(…)`.
const MAX_DEPTH: usize = 4;

/// How examples name the crate's items: bare (a README program imports `Client`, `Error` and
/// `FilePart`, so only values needing nothing else are written), or by full path (rustdoc
/// examples, which can name anything).
#[derive(Clone, Copy)]
pub(super) enum Paths<'a> {
    Imported,
    Qualified(&'a str),
}

impl Paths<'_> {
    fn item(self, path: &str) -> String {
        match self {
            Paths::Imported => path.rsplit("::").next().unwrap_or(path).to_owned(),
            Paths::Qualified(krate) => format!("{krate}::{path}"),
        }
    }
}

/// `op(sample arguments)`, when every argument has a sample.
pub(super) fn call(api: &Api, op: &Operation, paths: Paths<'_>) -> Option<String> {
    let mut args = Vec::new();
    for a in &op.arguments {
        args.push(match a.goes {
            Goes::Bytes => "b\"...\".to_vec()".into(),
            Goes::Parameter(_) | Goes::Body | Goes::FormField => {
                value(api, &a.ty, &a.name, paths, 0)?
            }
        });
    }
    Some(format!("{}({})", op.name, args.join(", ")))
}

/// The lines that send `call` (of `op`) and use its answer as a reader would: a field of a
/// typed answer, the items of a list, the bytes of a file.
pub(super) fn send_and_use(api: &Api, op: &Operation, call: &str) -> String {
    match op.success_body() {
        SuccessBody::Json(ty) => match api.resolve(&ty) {
            TypeRef::Array(_) => format!(
                "let items = client.{call}.send().await?.body;
println!(\"{{}} items\", items.len());"
            ),
            TypeRef::Named(name) => {
                let shown = match api.type_def(name).map(|t| &t.kind) {
                    Some(TypeKind::Struct(s)) => s
                        .must_have()
                        .find(|f| f.ty == TypeRef::Primitive(Primitive::String))
                        .or_else(|| s.must_have().next())
                        .map(|f| f.rust_name.clone()),
                    _ => None,
                };
                match shown {
                    Some(field) => format!(
                        "let reply = client.{call}.send().await?.body;
println!(\"{{:?}}\", reply.{field});"
                    ),
                    None => format!(
                        "let reply = client.{call}.send().await?.body;
println!(\"{{reply:?}}\");"
                    ),
                }
            }
            _ => format!(
                "let reply = client.{call}.send().await?.body;
println!(\"{{reply:?}}\");"
            ),
        },
        SuccessBody::Binary { .. } => format!(
            "let file = client.{call}.send().await?.body.collect().await?;
println!(\"{{}} bytes\", file.len());"
        ),
        SuccessBody::Raw => format!(
            "let reply = client.{call}.send().await?.body;
println!(\"{{}}\", reply.text());"
        ),
    }
}

/// A value of `ty` for an example, when one is simple to write.
pub(super) fn value(
    api: &Api,
    ty: &TypeRef,
    name: &str,
    paths: Paths<'_>,
    depth: usize,
) -> Option<String> {
    let runtime = |item: &str| match paths {
        Paths::Imported => None,
        Paths::Qualified(krate) => Some(format!("{krate}::runtime::{item}")),
    };
    match api.resolve(ty) {
        TypeRef::Primitive(Primitive::String) => Some(format!(
            "\"your-{}\"",
            name.replace('_', "-").to_lowercase()
        )),
        TypeRef::Primitive(Primitive::Integer | Primitive::Integer32) => Some("1".into()),
        TypeRef::Primitive(Primitive::Number) => Some("1.0".into()),
        TypeRef::Primitive(Primitive::Boolean) => Some("true".into()),
        TypeRef::Primitive(Primitive::File) => Some(format!(
            "{}::from_path(\"invoice.pdf\")",
            paths.item("FilePart")
        )),
        TypeRef::Primitive(Primitive::DateTime) => runtime("DateTime::now()"),
        TypeRef::Primitive(Primitive::Date) => runtime("chrono::NaiveDate::default()"),
        TypeRef::Primitive(Primitive::Any) => runtime("serde_json::Value::Null"),
        TypeRef::Primitive(Primitive::Object) => match paths {
            Paths::Imported => None,
            Paths::Qualified(krate) => Some(format!(
                "{krate}::Json::from({krate}::runtime::serde_json::json!({{}}))"
            )),
        },
        TypeRef::Array(_) => Some("Vec::new()".into()),
        TypeRef::Map(_) => Some("std::collections::BTreeMap::new()".into()),
        TypeRef::Nullable(_) => Some("None".into()),
        TypeRef::Named(type_name) => match api.type_def(type_name).map(|t| &t.kind) {
            Some(TypeKind::Enum(variants)) => Some(format!("{:?}", variants.first()?.value)),
            Some(TypeKind::Struct(s))
                if depth < MAX_DEPTH && matches!(paths, Paths::Qualified(_)) =>
            {
                let fields = s
                    .must_have()
                    .map(|f| value(api, &f.ty, &f.name, paths, depth + 1))
                    .collect::<Option<Vec<_>>>()?;
                let arguments = match &s.named_new {
                    Some(required) => {
                        let named: Vec<String> = s
                            .must_have()
                            .zip(&fields)
                            .map(|(f, value)| format!("{}: {value}.into()", f.rust_name))
                            .collect();
                        format!(
                            "{} {{ {} }}",
                            paths.item(&format!("types::{required}")),
                            named.join(", ")
                        )
                    }
                    None => fields.join(", "),
                };
                Some(format!(
                    "{}::new({arguments})",
                    paths.item(&format!("types::{type_name}"))
                ))
            }
            _ => None,
        },
    }
}
