//! An operation's signature (decided in build, [`Operation::arguments`]) as tokens: its
//! builder's name and its arguments, and how a path value is written. Read by every emitter that names a call: the client, its builders, waiters,
//! batches, the tool and the stubs.

use proc_macro2::TokenStream;
use quote::quote;

use super::types::{ident, rust_type, Scope};
use crate::model::{Api, Goes, Operation, Parameter, Primitive, TypeKind, TypeRef};

/// An argument of a client method: a required parameter, the body, or a required form field.
pub(super) struct Argument {
    pub(super) name: proc_macro2::Ident,
    /// The type the builder stores.
    pub(super) ty: TokenStream,
    /// The type the method takes, and how it becomes `ty`.
    pub(super) param: TokenStream,
    pub(super) convert: TokenStream,
}

/// A required parameter or body as a method argument: anything that converts into its type
/// (`&str` for strings, a `chrono` date-time for a `DateTime`, an array for a `Vec`).
fn argument(rust_name: &str, ty: &TypeRef) -> Argument {
    let name = ident(rust_name);
    let stored = rust_type(ty, Scope::Crate);
    Argument {
        param: quote!(impl ::std::convert::Into<#stored>),
        convert: quote!(#name.into()),
        name,
        ty: stored,
    }
}

/// The tokens of `op`'s arguments (see [`Operation::arguments`]).
pub(super) fn arguments(op: &Operation) -> Vec<Argument> {
    op.arguments
        .iter()
        .map(|a| match a.goes {
            Goes::Bytes => Argument {
                name: ident("body"),
                ty: quote!(::contractfit_runtime::bytes::Bytes),
                param: quote!(impl ::std::convert::Into<::contractfit_runtime::bytes::Bytes>),
                convert: quote!(body.into()),
            },
            Goes::Parameter(_) | Goes::Body | Goes::FormField => argument(&a.rust_name, &a.ty),
        })
        .collect()
}

pub(super) fn builder_name(op: &Operation) -> proc_macro2::Ident {
    ident(&op.builder)
}

/// Whether values of `ty` are written with `Display` (primitives and string enums, through
/// aliases).
pub(super) fn is_display(api: &Api, ty: &TypeRef) -> bool {
    match api.resolve(ty) {
        TypeRef::Primitive(p) => !matches!(p, Primitive::Any | Primitive::Object | Primitive::File),
        TypeRef::Named(name) => matches!(
            api.type_def(name).map(|def| &def.kind),
            Some(TypeKind::Enum(_))
        ),
        TypeRef::Array(_) | TypeRef::Map(_) | TypeRef::Nullable(_) => false,
    }
}

/// A path parameter's value as text, before escaping (`simple` style: arrays comma-separated,
/// anything else not a primitive or enum as JSON text): something `Display`.
pub(super) fn path_text(api: &Api, p: &Parameter) -> TokenStream {
    let field = ident(&p.rust_name);
    match &p.ty {
        ty if is_display(api, ty) => quote!(&self.#field),
        TypeRef::Array(item) if is_display(api, item) => quote!(
            self.#field.iter().map(|v| v.to_string()).collect::<::std::vec::Vec<_>>().join(",")
        ),
        _ => quote!(::contractfit_runtime::json_text(&self.#field)),
    }
}
