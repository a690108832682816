//! The command-line tool's [layout](crate::model::tool), decided from the rest of the model.
//!
//! Names are kebab case and decided here once, deterministically: groups after tags,
//! commands after operations with the tag's words dropped (`documents get`), flags after
//! parameters and body fields.

use std::collections::BTreeSet;

use heck::ToKebabCase;
use serde_json::Value;

use super::names::Namespace;
use super::naming::singular;
use crate::diagnostics::pointer;
use crate::model::tool::{
    command_of, Arg, Body, Command, Find, Group, Layout, Pages, PathPart, Place, Reply, Upload,
    ValueKind, Wait, RESERVED_FLAGS,
};
use crate::model::{
    Api, Field, Operation, ParamLocation, Primitive, RequestContent, SuccessBody, TypeKind, TypeRef,
};

/// Top-level command names the tool uses itself.
const RESERVED_COMMANDS: &[&str] = &["upload", "wait", "completions", "help"];

/// The layout of `api`'s tool.
pub fn layout(api: &Api) -> Layout {
    let mut groups: Vec<Group> = Vec::new();
    // The tag of each group, by index.
    let mut tags: Vec<&str> = Vec::new();
    let mut top = BTreeSet::new();
    for op in &api.operations {
        let tag = op.tags.first().map(String::as_str).unwrap_or("default");
        let index = match tags.iter().position(|t| *t == tag) {
            Some(index) => index,
            None => {
                let mut name = kebab_or(tag, "default");
                while RESERVED_COMMANDS.contains(&name.as_str()) || !top.insert(name.clone()) {
                    name.push_str("-api");
                }
                tags.push(tag);
                groups.push(Group {
                    name,
                    about: about_of_tag(api, tag),
                    commands: Vec::new(),
                });
                groups.len() - 1
            }
        };
        groups[index].commands.push(command(api, op));
    }
    for group in &mut groups {
        name_commands(group);
    }
    with_workflows(api, groups)
}

/// The layout of `groups`, with the waits and the upload built on their commands.
fn with_workflows(api: &Api, groups: Vec<Group>) -> Layout {
    let waits = waits(api, &groups);
    let upload = upload(api, &groups, &waits);
    Layout {
        groups,
        upload,
        waits,
    }
}

/// `full`, the layout of the whole API, narrowed to the operations `api` keeps (a crate of
/// some operations, `build/selection.rs`): the commands keep the names they have in the whole
/// tool, which depend on their neighbours (a short name taken when two would clash, a group
/// renamed when it clashes), so they are not laid out again.
pub fn narrowed(full: &Layout, api: &Api) -> Layout {
    let kept = |name: &str| api.operations.iter().any(|op| op.name == name);
    let groups: Vec<Group> = full
        .groups
        .iter()
        .map(|group| Group {
            commands: group
                .commands
                .iter()
                .filter(|c| kept(&c.operation))
                .cloned()
                .collect(),
            ..group.clone()
        })
        .filter(|group| !group.commands.is_empty())
        .collect();
    with_workflows(api, groups)
}

/// A tag's description, or a sentence naming it; also what identifies the tag's group.
fn about_of_tag(api: &Api, tag: &str) -> String {
    let described = api
        .tags
        .iter()
        .find(|t| t.name == tag)
        .and_then(|t| t.description.as_deref())
        .map(first_paragraph)
        .filter(|d| !d.is_empty());
    match described {
        Some(description) => format!("{description} (tag `{tag}`)"),
        None => format!("Operations tagged `{tag}`"),
    }
}

/// Command names: the operation's name without the tag's words (`get_document` in
/// `documents` is `get`); where two would be the same, both keep their whole names.
fn name_commands(group: &mut Group) {
    let tag_words: BTreeSet<String> = group
        .name
        .split('-')
        .flat_map(|word| [word.to_owned(), singular(word)])
        .collect();
    let short: Vec<String> = group
        .commands
        .iter()
        .map(|c| {
            let kept: Vec<&str> = c
                .name
                .split('-')
                .filter(|w| !tag_words.contains(*w))
                .collect();
            if kept.is_empty() {
                c.name.clone()
            } else {
                kept.join("-")
            }
        })
        .collect();
    let mut taken = Namespace::kebab();
    for (index, command) in group.commands.iter_mut().enumerate() {
        let shared = short.iter().filter(|s| **s == short[index]).count() > 1;
        let wanted = if shared || short[index] == "help" {
            command.name.clone()
        } else {
            short[index].clone()
        };
        command.name = taken.claim(&wanted);
    }
    // A paginated command's workflow, every item of every page, is the command with `-all`:
    // named after what it walks, it cannot collide with a `list` operation of the group.
    for command in &mut group.commands {
        if let Some(pages) = &mut command.pages {
            pages.command = taken.claim(&format!("{}-all", command.name));
        }
    }
}

/// The first paragraph of a description, on one line.
fn first_paragraph(text: &str) -> String {
    let paragraph = text.trim().split("\n\n").next().unwrap_or_default();
    paragraph.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One operation as a command (named after the operation until `name_commands`).
fn command(api: &Api, op: &Operation) -> Command {
    let mut taken = Namespace::kebab();
    for flag in RESERVED_FLAGS {
        taken.reserve(flag);
    }
    let mut args = Vec::new();
    for param in &op.parameters {
        let place = match param.location {
            ParamLocation::Path => Place::Path,
            ParamLocation::Query => Place::Query,
            ParamLocation::Header => Place::Header,
            ParamLocation::Cookie => Place::Cookie,
        };
        let (value, many) = value_kind(api, &param.ty);
        args.push(Arg {
            name: claim_flag(&mut taken, &param.rust_name, "param"),
            wire: param.name.clone(),
            place,
            required: param.required || place == Place::Path,
            many,
            joined_by: param
                .joined_by
                .clone()
                .filter(|_| many && place == Place::Query),
            value,
            help: param
                .description
                .as_deref()
                .map(first_paragraph)
                .unwrap_or_default(),
            default: param.default.as_ref().map(value_text),
        });
    }
    let body = match op.request_body.as_ref().map(|b| (b, &b.content)) {
        None => Body::None,
        Some((
            body,
            content @ (RequestContent::Json { ty, .. } | RequestContent::UrlEncoded { ty }),
        )) => {
            let fields = struct_fields(api, ty);
            for field in fields.unwrap_or_default() {
                let (value, many) = value_kind(api, &field.ty);
                args.push(field_arg(&mut taken, field, Place::BodyField, value, many));
            }
            Body::Json {
                media_type: content.media_type().to_owned(),
                required: body.required,
                fields: fields.is_some(),
            }
        }
        Some((_, RequestContent::Multipart { form })) => {
            for field in api.form_fields(form) {
                let (value, many) = value_kind(api, &field.ty);
                let place = if value == ValueKind::File {
                    Place::FormFile
                } else {
                    Place::FormText
                };
                let mut arg = field_arg(&mut taken, field, place, value, many);
                arg.required = field.required;
                args.push(arg);
            }
            Body::Multipart
        }
        Some((body, RequestContent::Binary { media_type })) => Body::Bytes {
            media_type: media_type.clone(),
            required: body.required,
        },
    };
    let path = op
        .path
        .segments
        .iter()
        .map(|segment| match segment {
            crate::model::PathSegment::Literal(text) => PathPart::Literal(text.clone()),
            crate::model::PathSegment::Parameter(wire) => {
                let arg = args
                    .iter()
                    .find(|a| a.place == Place::Path && a.wire == *wire)
                    .map(|a| a.name.clone())
                    .unwrap_or_else(|| wire.to_kebab_case());
                PathPart::Arg(arg)
            }
        })
        .collect();
    let reply = match op.success_body() {
        SuccessBody::Json(_) => Reply::Json,
        SuccessBody::Binary { accept } => Reply::Binary { accept },
        SuccessBody::Raw => Reply::Raw,
    };
    let pages = op.paginator.as_ref().and_then(|paginator| {
        let page = match op.success_body() {
            SuccessBody::Json(ty) => struct_fields(api, &ty)?,
            _ => return None,
        };
        let wire_of = |rust: &str| {
            page.iter()
                .find(|f| f.rust_name == rust)
                .map(|f| pointer([f.name.as_str()]))
        };
        let arg_of = |rust: &str| {
            op.parameters
                .iter()
                .position(|p| p.rust_name == rust)
                .map(|i| args[i].name.clone())
        };
        Some(Pages {
            command: String::new(),
            page_arg: arg_of(&paginator.page_parameter)?,
            size_arg: paginator.size_parameter.as_deref().and_then(arg_of),
            first_page: paginator.first_page,
            items: wire_of(&paginator.items_field)?,
            total: paginator.total_field.as_deref().and_then(wire_of),
        })
    });
    let description = op.description.as_deref().unwrap_or_default().trim();
    let about = op
        .summary
        .as_deref()
        .map(first_paragraph)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| first_paragraph(description));
    Command {
        name: op.name.to_kebab_case(),
        operation: op.name.clone(),
        about,
        long_about: description.to_owned(),
        path,
        args,
        body,
        reply,
        pages,
    }
}

fn field_arg(
    taken: &mut Namespace,
    field: &Field,
    place: Place,
    value: ValueKind,
    many: bool,
) -> Arg {
    Arg {
        name: claim_flag(taken, &field.rust_name, "field"),
        wire: field.name.clone(),
        place,
        required: field.required,
        many,
        joined_by: None,
        value,
        help: field
            .description
            .as_deref()
            .map(first_paragraph)
            .unwrap_or_default(),
        default: field.default.as_ref().map(value_text),
    }
}

/// `name` in kebab case, of ASCII letters, digits and inner dashes only; `value` if nothing is
/// left (a name of symbols only).
fn kebab(name: &str) -> String {
    kebab_or(name, "value")
}

fn kebab_or(name: &str, fallback: &str) -> String {
    let kebab: String = name
        .to_kebab_case()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let kebab = kebab.trim_matches('-');
    if kebab.is_empty() {
        fallback.into()
    } else {
        kebab.to_owned()
    }
}

/// A flag named after `rust_name`; when that is taken, `<name>-<what>` (`name-field`, for a
/// body field beside a parameter `name`).
fn claim_flag(taken: &mut Namespace, rust_name: &str, what: &str) -> String {
    let wanted = kebab(rust_name);
    if taken.contains(&wanted) {
        taken.claim(&format!("{wanted}-{what}"))
    } else {
        taken.claim(&wanted)
    }
}

/// The fields of `ty` when it is (or names, through aliases) a struct.
fn struct_fields<'a>(api: &'a Api, ty: &TypeRef) -> Option<&'a [Field]> {
    let TypeRef::Named(name) = api.resolve(ty) else {
        return None;
    };
    match &api.type_def(name)?.kind {
        TypeKind::Struct(s) => Some(&s.fields),
        _ => None,
    }
}

/// What a value of `ty` looks like on the command line, and whether the flag repeats.
fn value_kind(api: &Api, ty: &TypeRef) -> (ValueKind, bool) {
    match ty {
        TypeRef::Array(inner) => match single_kind(api, inner) {
            ValueKind::Json => (ValueKind::Json, false),
            kind => (
                kind,
                !matches!(**inner, TypeRef::Array(_) | TypeRef::Map(_)),
            ),
        },
        other => (single_kind(api, other), false),
    }
}

fn single_kind(api: &Api, ty: &TypeRef) -> ValueKind {
    match api.resolve(ty) {
        TypeRef::Primitive(primitive) => match primitive {
            Primitive::String => ValueKind::String,
            Primitive::Integer | Primitive::Integer32 => ValueKind::Integer,
            Primitive::Number => ValueKind::Number,
            Primitive::Boolean => ValueKind::Boolean,
            Primitive::DateTime => ValueKind::DateTime,
            Primitive::Date => ValueKind::Date,
            Primitive::File => ValueKind::File,
            Primitive::Any | Primitive::Object => ValueKind::Json,
        },
        TypeRef::Named(name) => match api.type_def(name).map(|t| &t.kind) {
            Some(TypeKind::Enum(variants)) => {
                ValueKind::Enum(variants.iter().map(|v| v.value.clone()).collect())
            }
            _ => ValueKind::Json,
        },
        _ => ValueKind::Json,
    }
}

/// A default as the user would type it (strings without quotes).
fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A wait command per waiter whose operation takes one id (its only path parameter, and no
/// other required parameter); `wait` when the API has one such waiter.
fn waits(api: &Api, groups: &[Group]) -> Vec<Wait> {
    let mut found = Vec::new();
    for op in &api.operations {
        let path_params: Vec<_> = op.parameters_in(ParamLocation::Path).collect();
        let other_required = op
            .parameters
            .iter()
            .any(|p| p.required && p.location != ParamLocation::Path);
        let [id] = path_params.as_slice() else {
            continue;
        };
        if other_required {
            continue;
        }
        for waiter in &op.waiters {
            found.push((op, *id, waiter));
        }
    }
    let found: Vec<_> = found
        .into_iter()
        .filter_map(|(op, id, waiter)| {
            let id_arg = command_of(groups, &op.name)?
                .args
                .iter()
                .find(|a| a.place == Place::Path && a.wire == id.name)?
                .name
                .clone();
            Some((op, id_arg, waiter))
        })
        .collect();
    let single = found.len() == 1;
    found
        .into_iter()
        .map(|(op, id_arg, waiter)| Wait {
            name: if single {
                "wait".into()
            } else {
                format!("wait-{}", waiter.name.to_kebab_case())
            },
            about: {
                let state = waiter.name.replace('_', " ");
                match waiter.description.as_deref().map(first_paragraph) {
                    Some(description) => format!("Wait until {state}: {description}"),
                    None => format!("Wait until {state}"),
                }
            },
            waiter: waiter.name.clone(),
            operation: op.name.clone(),
            id_arg,
        })
        .collect()
}

/// The upload command, from the first operation declaring an upload-and-wait whose waiter
/// has a wait command and whose form has a file.
fn upload(api: &Api, groups: &[Group], waits: &[Wait]) -> Option<Upload> {
    api.operations.iter().find_map(|op| {
        let declared = op.upload_wait.as_ref()?;
        let wait = waits
            .iter()
            .position(|w| w.operation == declared.operation && w.waiter == declared.waiter)?;
        let command = command_of(groups, &op.name)?;
        let file_arg = command
            .args
            .iter()
            .find(|a| a.place == Place::FormFile && !a.many)?
            .name
            .clone();
        let form_fields = match &op.request_body.as_ref()?.content {
            RequestContent::Multipart { form } => api.form_fields(form),
            _ => return None,
        };
        let set_when_waiting = declared
            .set
            .iter()
            .filter_map(|(rust, value)| {
                let field = form_fields.iter().find(|f| f.rust_name == *rust)?;
                Some((field.name.clone(), *value))
            })
            .collect();
        let find = declared.find.as_ref().and_then(|find| {
            let listing = api.operations.iter().find(|o| o.name == find.operation)?;
            let since = listing
                .parameters
                .iter()
                .find(|p| p.rust_name == find.since)?;
            let since_arg = command_of(groups, &find.operation)?
                .args
                .iter()
                .find(|a| a.wire == since.name && a.place == Place::Query)?
                .name
                .clone();
            let content = find.content.as_ref().and_then(|content| {
                let id_arg = command_of(groups, content)?
                    .args
                    .iter()
                    .find(|a| a.required)?
                    .name
                    .clone();
                Some((content.clone(), id_arg))
            });
            Some(Find {
                operation: find.operation.clone(),
                since_arg,
                name_pointer: find.name_pointer.clone(),
                id_pointer: find.id_pointer.clone(),
                content,
            })
        });
        Some(Upload {
            operation: op.name.clone(),
            file_arg,
            set_when_waiting,
            id_pointer: declared.id_pointer.clone(),
            wait,
            find,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_become_singular() {
        assert_eq!(singular("inboxes"), "inbox");
        assert_eq!(singular("documents"), "document");
        assert_eq!(singular("policies"), "policy");
        assert_eq!(singular("status"), "status");
        assert_eq!(singular("statuses"), "status");
        assert_eq!(singular("class"), "class");
    }

    #[test]
    fn commands_drop_the_tag_words_unless_two_would_clash() {
        let command = |name: &str| Command {
            name: name.into(),
            operation: name.replace('-', "_"),
            about: String::new(),
            long_about: String::new(),
            path: Vec::new(),
            args: Vec::new(),
            body: Body::None,
            reply: Reply::Raw,
            pages: None,
        };
        let mut group = Group {
            name: "inboxes".into(),
            about: String::new(),
            commands: [
                "get-inboxes",
                "get-inbox",
                "delete-inbox",
                "get-inbox-documents",
                "inbox",
            ]
            .map(command)
            .to_vec(),
        };
        group.commands[3].pages = Some(Pages {
            command: String::new(),
            page_arg: "page".into(),
            size_arg: None,
            first_page: 1,
            items: "/items".into(),
            total: None,
        });
        name_commands(&mut group);
        let names: Vec<&str> = group.commands.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "get-inboxes",
                "get-inbox",
                "delete",
                "get-documents",
                "inbox"
            ]
        );
        assert_eq!(
            group.commands[3].pages.as_ref().unwrap().command,
            "get-documents-all"
        );
    }
}
