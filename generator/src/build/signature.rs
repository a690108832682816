//! What each operation's client method takes, and the names of the types it adds to the
//! generated crate's modules: its builder and its waiters' (`builders`), its stub's record
//! (`testing`), its batch (`batch`). Decided here, once every type is final, and read by
//! every output; each name is claimed in the module it lives in, so two never collide.

use super::names::{camel, Namespace};
use crate::model::{
    Argument, Goes, Operation, Primitive, RequestContent, TypeDef, TypeKind, TypeRef,
    BATCH_EXPORTS, TESTING_NAMES,
};

pub(super) fn sign(operations: &mut [Operation], types: &[TypeDef]) {
    let mut builders = Namespace::new();
    let mut testing = Namespace::new();
    let mut batch = Namespace::new();
    TESTING_NAMES.iter().for_each(|name| testing.reserve(name));
    BATCH_EXPORTS.iter().for_each(|name| batch.reserve(name));
    // Operations' builders first, so that a waiter's never takes an operation's name.
    for op in operations.iter_mut() {
        op.builder = builders.claim(&camel(&op.name));
        op.call = testing.claim(&format!("{}Call", op.builder));
        op.call_form = testing.claim(&format!("{}Form", op.call));
        op.arguments = arguments(op, types);
    }
    for op in operations.iter_mut() {
        for waiter in &mut op.waiters {
            waiter.builder = builders.claim(&camel(&waiter.method));
        }
        if let Some(upload) = &mut op.upload_wait {
            upload.batch = batch.claim(&format!("{}Batch", op.builder));
        }
    }
}

/// The required parameters, then the body or the multipart form's required fields.
fn arguments(op: &Operation, types: &[TypeDef]) -> Vec<Argument> {
    let mut arguments: Vec<Argument> = op
        .parameters
        .iter()
        .enumerate()
        .filter(|(_, p)| p.required)
        .map(|(index, p)| Argument {
            name: p.name.clone(),
            rust_name: p.rust_name.clone(),
            ty: p.ty.clone(),
            goes: Goes::Parameter(index),
        })
        .collect();
    let Some(body) = &op.request_body else {
        return arguments;
    };
    match &body.content {
        RequestContent::Json { ty, .. } | RequestContent::UrlEncoded { ty } if body.required => {
            arguments.push(Argument {
                name: "body".into(),
                rust_name: "body".into(),
                ty: ty.clone(),
                goes: Goes::Body,
            })
        }
        RequestContent::Binary { .. } if body.required => arguments.push(Argument {
            name: "body".into(),
            rust_name: "body".into(),
            ty: TypeRef::Primitive(Primitive::File),
            goes: Goes::Bytes,
        }),
        RequestContent::Multipart { form } => {
            let fields = types.iter().find(|t| &t.name == form).map(|t| &t.kind);
            if let Some(TypeKind::Form(fields)) = fields {
                // The fields the form's `new` takes: required and not `null`.
                arguments.extend(fields.iter().filter(|f| f.must_have()).map(|f| Argument {
                    name: f.name.clone(),
                    rust_name: f.rust_name.clone(),
                    ty: f.ty.clone(),
                    goes: Goes::FormField,
                }));
            }
        }
        _ => {}
    }
    arguments
}
