//! A crate of some operations only: for a user of one corner of a huge API, who should not
//! build the other 900 operations and their types.
//!
//! The selection is applied to the model built from the whole document, never to the
//! document: names are decided among all operations and schemas (a suffix stripped from every
//! operation, a type name taken by another), so a crate of a few operations names them as the
//! whole crate does, and code written against one builds against the other. What is kept:
//! the operations selected, the operations they use (an upload's waiter polls another
//! operation; a batch lists and reads documents), and every type those reach, field by
//! field. Nothing else is emitted.

use std::collections::{BTreeSet, VecDeque};
use std::path::Path;

use crate::diagnostics::{Error, Location};
use crate::model::{Api, BodyKind, Operation, RequestContent, TypeDef, TypeKind, TypeRef, Whole};

/// Which operations a crate holds: all of them when both lists are empty; otherwise those
/// named (by operationId or by Rust method name) and those with any of the tags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub operations: Vec<String>,
    pub tags: Vec<String>,
}

impl Selection {
    pub fn is_all(&self) -> bool {
        self.operations.is_empty() && self.tags.is_empty()
    }
}

/// `api` with only the operations `selection` names, what they use, and the types they
/// reach. A name or tag that selects nothing is an error: a misspelt name should not give an
/// empty crate.
pub fn keep(api: Api, selection: &Selection, file: &Path) -> Result<Api, Error> {
    if selection.is_all() {
        return Ok(api);
    }
    let unknown = |what: &str, name: &str| Error::Invalid {
        location: Location {
            file: file.to_owned(),
            pointer: String::new(),
            line: None,
        },
        message: format!("the selection names {what} {name:?}, which no operation has"),
    };
    // An operation is named by its Rust name or its operationId.
    let named =
        |op: &Operation, name: &str| op.name == name || op.operation_id.as_deref() == Some(name);
    for name in &selection.operations {
        if !api.operations.iter().any(|op| named(op, name)) {
            return Err(unknown("the operation", name));
        }
    }
    for tag in &selection.tags {
        if !api.operations.iter().any(|op| op.tags.contains(tag)) {
            return Err(unknown("the tag", tag));
        }
    }
    let chosen = |op: &Operation| {
        selection.operations.iter().any(|name| named(op, name))
            || op.tags.iter().any(|tag| selection.tags.contains(tag))
    };
    let operations = used_operations(&api.operations, chosen);
    let types = reached_types(&api, &operations);
    let mut api = api;
    api.part_of = Some(Whole {
        operations: api.operations.len(),
        types: api.types.len(),
    });
    api.operations
        .retain(|op| operations.contains(op.name.as_str()));
    api.types.retain(|def| types.contains(def.name.as_str()));
    api.tags
        .retain(|tag| api.operations.iter().any(|op| op.tags.contains(&tag.name)));
    // The whole tool's commands, those of the operations kept, named as they were.
    api.tool = super::tool::narrowed(&api.tool, &api);
    Ok(api)
}

/// The Rust names of the operations `chosen` picks and of those they use, transitively.
fn used_operations(all: &[Operation], chosen: impl Fn(&Operation) -> bool) -> BTreeSet<String> {
    let by_name = |name: &str| all.iter().find(|op| op.name == name);
    let mut kept = BTreeSet::new();
    let mut queue: VecDeque<&Operation> = all.iter().filter(|op| chosen(op)).collect();
    while let Some(op) = queue.pop_front() {
        if !kept.insert(op.name.clone()) {
            continue;
        }
        queue.extend(operations_used_by(op).filter_map(by_name));
    }
    kept
}

/// The operations `op`'s generated code calls besides its own.
fn operations_used_by(op: &Operation) -> impl Iterator<Item = &str> {
    let upload = op.upload_wait.iter().flat_map(|upload| {
        let find = upload.find.iter().flat_map(|find| {
            std::iter::once(find.operation.as_str()).chain(find.content.as_deref())
        });
        std::iter::once(upload.operation.as_str()).chain(find)
    });
    let then = op.then_wait.iter().map(|then| then.operation.as_str());
    upload.chain(then)
}

/// The names of the types the operations named in `operations` reach: through their
/// parameters, bodies, answers and pages, then through those types' fields, variants and
/// aliases.
fn reached_types(api: &Api, operations: &BTreeSet<String>) -> BTreeSet<String> {
    let mut queue: Vec<&TypeRef> = Vec::new();
    let mut forms: Vec<&str> = Vec::new();
    for op in api
        .operations
        .iter()
        .filter(|op| operations.contains(&op.name))
    {
        queue.extend(op.parameters.iter().map(|p| &p.ty));
        queue.extend(op.arguments.iter().map(|a| &a.ty));
        match op.request_body.as_ref().map(|body| &body.content) {
            Some(RequestContent::Json { ty, .. } | RequestContent::UrlEncoded { ty }) => {
                queue.push(ty)
            }
            Some(RequestContent::Multipart { form }) => forms.push(form),
            Some(RequestContent::Binary { .. }) | None => {}
        }
        for body in op.responses.iter().flat_map(|r| &r.content) {
            if let BodyKind::Json(ty) = &body.kind {
                queue.push(ty);
            }
        }
        queue.extend(op.paginator.iter().map(|p| &p.item_type));
    }
    let mut reached = BTreeSet::new();
    let mut names: Vec<&str> = forms;
    loop {
        while let Some(ty) = queue.pop() {
            names.extend(ty.named());
        }
        let Some(name) = names.pop() else {
            return reached;
        };
        if !reached.insert(name.to_owned()) {
            continue;
        }
        if let Some(def) = api.type_def(name) {
            queue.extend(held_by(def));
        }
    }
}

/// The references a type's definition holds.
fn held_by(def: &TypeDef) -> Vec<&TypeRef> {
    match &def.kind {
        TypeKind::Struct(s) => s
            .fields
            .iter()
            .map(|f| &f.ty)
            .chain(std::iter::once(&s.additional))
            .collect(),
        TypeKind::Form(fields) => fields.iter().map(|f| &f.ty).collect(),
        TypeKind::Alias(target) => vec![target],
        TypeKind::Union(union) => union.variants.iter().map(|v| &v.ty).collect(),
        TypeKind::Enum(_) => Vec::new(),
    }
}
