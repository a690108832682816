//! Named types to Rust: structs, enums that keep unknown values, aliases and multipart forms.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::docs::{paragraphs, sanitize, value_docs, written_doc_attrs};
use crate::model::{
    resolve_aliases, Api, EnumVariant, Field, Primitive, Struct, TypeDef, TypeKind, TypeRef, Union,
    UnionVariant, Uses, ADDITIONAL_FIELD, UNKNOWN_VARIANT,
};

/// Where a type is named from: inside the `types` module, or from elsewhere in the crate.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    Types,
    Crate,
    /// From another crate that depends on the generated one, named so.
    External(&'a str),
}

pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// The Rust type for a type reference.
pub fn rust_type(ty: &TypeRef, scope: Scope) -> TokenStream {
    match ty {
        TypeRef::Named(name) => {
            let name = ident(name);
            match scope {
                Scope::Types => quote!(#name),
                Scope::Crate => quote!(crate::types::#name),
                Scope::External(krate) => {
                    let krate = ident(krate);
                    quote!(::#krate::types::#name)
                }
            }
        }
        TypeRef::Primitive(p) => primitive(*p),
        TypeRef::Array(item) => {
            let item = rust_type(item, scope);
            quote!(::std::vec::Vec<#item>)
        }
        TypeRef::Nullable(value) => {
            let value = rust_type(value, scope);
            quote!(::std::option::Option<#value>)
        }
        TypeRef::Map(value) => {
            let value = rust_type(value, scope);
            quote!(::std::collections::BTreeMap<::std::string::String, #value>)
        }
    }
}

fn primitive(p: Primitive) -> TokenStream {
    match p {
        Primitive::String => quote!(::std::string::String),
        Primitive::Integer => quote!(i64),
        Primitive::Integer32 => quote!(i32),
        Primitive::Number => quote!(f64),
        Primitive::Boolean => quote!(bool),
        Primitive::DateTime => quote!(::contractfit_runtime::DateTime),
        Primitive::Date => quote!(::contractfit_runtime::chrono::NaiveDate),
        Primitive::File => quote!(::contractfit_runtime::FilePart),
        Primitive::Any => quote!(::serde_json::Value),
        Primitive::Object => quote!(::contractfit_runtime::Json),
    }
}

/// The `types` module: every named type, in name order.
/// The types module, a part per type (see [`super::RustFile`]).
pub(super) fn types_module(api: &Api) -> Vec<super::Part<'_>> {
    let types = &api.types;
    let uses = std::sync::Arc::new(api.uses());
    let mut parts: Vec<super::Part<'_>> = vec![Box::new(|| {
        quote! {
            //! Every schema of the API as a Rust type.
            //!
            //! Structs keep fields they do not know in `additional_properties`, and enums keep values
            //! they do not know in their `Unknown` variant, so a server that adds fields or values
            //! does not break this client, and a value read and sent back loses nothing.
            //! Every type is `#[non_exhaustive]`, so that a new field or value in the API does not
            //! break code that uses this crate either: make values with `new` (the fields a value
            //! must have) and the `with_` setters, read their fields, and match enums with a `_`
            //! arm.
        }
    })];
    for def in types {
        let uses = uses.clone();
        parts.push(Box::new(move || {
            type_def(def, types, uses.get(def.name.as_str()))
        }));
    }
    parts
}

fn type_def(def: &TypeDef, types: &[TypeDef], uses: Option<&Uses<'_>>) -> TokenStream {
    let origin = format!("Schema: `{}`", def.origin);
    let used = uses.map(used_by).unwrap_or_default();
    // The description is the document's (sanitized); the links and origin are the generator's.
    let description = def.description.as_deref().map(sanitize);
    let docs = written_doc_attrs(&paragraphs([
        description.as_deref(),
        (!used.is_empty()).then_some(used.as_str()),
        Some(&origin),
    ]));
    let name = ident(&def.name);
    match &def.kind {
        TypeKind::Struct(s) => struct_def(&docs, &name, s, types),
        TypeKind::Enum(variants) => enum_def(&docs, &name, variants),
        TypeKind::Alias(target) => {
            let target = rust_type(target, Scope::Types);
            quote!(#docs pub type #name = #target;)
        }
        TypeKind::Form(fields) => form_def(&docs, &name, fields, types),
        TypeKind::Union(union) => union_def(&docs, &name, union),
    }
}

/// Which calls return a type and which take it, and where it is held, as links: where a
/// reader of the type goes next.
fn used_by(uses: &Uses<'_>) -> String {
    let calls = |ops: &[&str]| {
        listed(
            ops.iter()
                .map(|op| format!("[`{op}`](crate::Client::{op})")),
        )
    };
    let mut sentences = Vec::new();
    if !uses.returned_by.is_empty() {
        sentences.push(format!("Returned by {}.", calls(&uses.returned_by)));
    }
    if !uses.taken_by.is_empty() {
        sentences.push(format!("Taken by {}.", calls(&uses.taken_by)));
    }
    if !uses.held_by.is_empty() {
        let fields = uses
            .held_by
            .iter()
            .map(|(holder, field)| match field.is_empty() {
                true => format!("[`{holder}`]"),
                false => format!("[`{holder}::{field}`]({holder}::{field})"),
            });
        sentences.push(format!("In {}.", listed(fields)));
    }
    sentences.join(" ")
}

/// The first few of `links`, and how many more there are.
fn listed(links: impl ExactSizeIterator<Item = String>) -> String {
    let more = links.len().saturating_sub(MAX_LINKS);
    let shown: Vec<String> = links.take(MAX_LINKS).collect();
    match more {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// How many calls a type's documentation names before it counts the rest.
const MAX_LINKS: usize = 8;

/// A field's type: `T` when a value must have it, `Option<T>` when it may be absent or `null`,
/// and `Option<Option<T>>` when it may be either (absent is `None`, `null` is `Some(None)`), so
/// that a value read and written again keeps which it was.
fn field_type(field: &Field) -> TokenStream {
    let inner = inner_type(field);
    if field.must_have() {
        inner
    } else {
        quote!(::std::option::Option<#inner>)
    }
}

fn field_docs(field: &Field) -> TokenStream {
    value_docs(
        field.description.as_deref(),
        field.default.as_ref(),
        &field.constraints,
        None,
    )
}

/// Whether `null` is one of the values of `ty` (untyped JSON, through aliases): an optional
/// field of such a type that is present as `null` is `Some`, so that it is written again.
fn holds_null(ty: &TypeRef, types: &[TypeDef]) -> bool {
    matches!(
        resolve_aliases(types, ty),
        TypeRef::Primitive(Primitive::Any | Primitive::Object)
    )
}

fn struct_def(docs: &TokenStream, name: &Ident, s: &Struct, types: &[TypeDef]) -> TokenStream {
    let fields = s.fields.iter().map(|field| {
        let docs = field_docs(field);
        let rust_name = ident(&field.rust_name);
        let ty = field_type(field);
        let rename = (field.rust_name != field.name).then(|| {
            let wire = &field.name;
            quote!(#[serde(rename = #wire)])
        });
        let optional = (!field.required).then(|| {
            let present = (field.nullable || holds_null(&field.ty, types))
                .then(|| quote!(deserialize_with = "::contractfit_runtime::present",));
            quote!(#[serde(default, #present skip_serializing_if = "::std::option::Option::is_none")])
        });
        quote! {
            #docs
            #rename
            #optional
            pub #rust_name: #ty,
        }
    });
    let additional = {
        let value = rust_type(&s.additional, Scope::Types);
        let field = ident(ADDITIONAL_FIELD);
        quote! {
            /// Properties beyond the declared ones, kept as the server sent them, so that a value
            /// read and sent back loses nothing.
            #[serde(flatten)]
            pub #field: ::std::collections::BTreeMap<::std::string::String, #value>,
        }
    };
    let all_optional = s.must_have().next().is_none();
    let default = all_optional.then(|| quote!(Default,));
    let constructors = constructors(name, &s.fields, true, s.named_new.as_deref());
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, #default ::serde::Serialize, ::serde::Deserialize)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
            #additional
        }

        #constructors
    }
}

/// The field's type inside its `Option` (itself an `Option` for an optional nullable field).
fn inner_type(field: &Field) -> TokenStream {
    let inner = rust_type(&field.ty, Scope::Types);
    let inner = if field.boxed {
        quote!(::std::boxed::Box<#inner>)
    } else {
        inner
    };
    if field.nullable && !field.required {
        quote!(::std::option::Option<#inner>)
    } else {
        inner
    }
}

/// `new` with the fields a value must have (in the document's order; by name, in a struct of
/// their own, when two share a type), the others unset, and a `with_<field>` setter for each of
/// those: how code outside the crate makes a value of a `#[non_exhaustive]` type, and keeps
/// compiling when the document adds optional fields.
fn constructors(
    name: &Ident,
    fields: &[Field],
    additional: bool,
    named: Option<&str>,
) -> TokenStream {
    let must: Vec<&Field> = fields.iter().filter(|f| f.must_have()).collect();
    let must_names: Vec<Ident> = must.iter().map(|f| ident(&f.rust_name)).collect();
    let inits = fields.iter().map(|f| {
        let field = ident(&f.rust_name);
        if f.must_have() && named.is_some() {
            quote!(#field)
        } else if f.must_have() {
            quote!(#field: #field.into())
        } else {
            quote!(#field: ::std::option::Option::None)
        }
    });
    let additional = additional.then(|| {
        let field = ident(ADDITIONAL_FIELD);
        quote!(#field: ::std::default::Default::default(),)
    });
    let setters = fields.iter().filter(|f| !f.must_have()).map(|f| {
        let field = ident(&f.rust_name);
        let setter = ident(&format!("with_{}", f.rust_name.trim_end_matches('_')));
        let ty = inner_type(f);
        let doc = format!(" Sets [`{}`](Self::{}).", f.rust_name, f.rust_name);
        quote! {
            #[doc = #doc]
            pub fn #setter(mut self, value: impl ::std::convert::Into<#ty>) -> Self {
                self.#field = ::std::option::Option::Some(value.into());
                self
            }
        }
    });
    let listed: Vec<String> = must.iter().map(|f| format!("`{}`", f.rust_name)).collect();
    let (required, signature, unpack) = match named {
        Some(required) => {
            let required = ident(required);
            let fields = must.iter().map(|f| {
                let field = ident(&f.rust_name);
                let ty = field_type(f);
                let docs = field_docs(f);
                quote!(#docs pub #field: #ty,)
            });
            let doc = format!(
                " What [`{name}::new`] takes: the fields a value must have, by name. Two of them \
                 are of one type, so as positional arguments they could be swapped and still \
                 compile."
            );
            let def = quote! {
                #[doc = #doc]
                #[derive(Debug, Clone, PartialEq)]
                pub struct #required {
                    #(#fields)*
                }
            };
            let unpack = quote!(let #required { #(#must_names),* } = required;);
            (Some(def), quote!(required: #required), Some(unpack))
        }
        None => {
            let params = must.iter().map(|f| {
                let field = ident(&f.rust_name);
                let ty = field_type(f);
                quote!(#field: impl ::std::convert::Into<#ty>)
            });
            (None, quote!(#(#params),*), None)
        }
    };
    let doc = match (listed.is_empty(), named) {
        (true, _) => {
            " A value with every field unset; set them with the `with_` methods.".to_owned()
        }
        (false, None) => format!(
            " A value with the fields it must have ({}); set the others with the `with_` methods.",
            listed.join(", ")
        ),
        (false, Some(required)) => format!(
            " A value with the fields it must have, named in a [`{required}`] ({}); set the \
             others with the `with_` methods.",
            listed.join(", ")
        ),
    };
    quote! {
        #required

        impl #name {
            #[doc = #doc]
            pub fn new(#signature) -> Self {
                #unpack
                #name { #(#inits,)* #additional }
            }

            #(#setters)*
        }
    }
}

fn enum_def(docs: &TokenStream, name: &Ident, variants: &[EnumVariant]) -> TokenStream {
    let unknown = ident(UNKNOWN_VARIANT);
    let declarations = variants.iter().map(|v| {
        let doc = format!(" `{}`", v.value.replace('`', "'"));
        let variant = ident(&v.rust_name);
        quote!(#[doc = #doc] #variant,)
    });
    let to_str = variants.iter().map(|v| {
        let variant = ident(&v.rust_name);
        let value = &v.value;
        quote!(#name::#variant => #value,)
    });
    let from_str = variants.iter().map(|v| {
        let variant = ident(&v.rust_name);
        let value = &v.value;
        quote!(#value => #name::#variant,)
    });
    let known = variants.iter().map(|v| {
        let variant = ident(&v.rust_name);
        quote!(#name::#variant)
    });
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #(#declarations)*
            /// A value this version of the client does not know, kept as sent. Read it with
            /// [`Self::as_str`]; match it with `_`, as a later version may know it by name.
            #unknown(::contractfit_runtime::UnknownValue),
        }

        impl #name {
            /// The values the API document lists.
            pub const KNOWN: &'static [#name] = &[#(#known),*];

            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    #name::#unknown(value) => value.as_str(),
                }
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#from_str)*
                    other => #name::#unknown(::contractfit_runtime::UnknownValue::new(other)),
                }
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;

            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(#name::from(value))
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(#name::from(value.as_ref()))
            }
        }
    }
}

/// How a form field is written into the multipart body.
enum FormPart {
    File,
    Files,
    Text,
    Json,
}

fn form_part(ty: &TypeRef, types: &[TypeDef]) -> FormPart {
    match resolve_aliases(types, ty) {
        TypeRef::Primitive(Primitive::File) => FormPart::File,
        TypeRef::Array(item) if **item == TypeRef::Primitive(Primitive::File) => FormPart::Files,
        TypeRef::Primitive(Primitive::Any | Primitive::Object)
        | TypeRef::Array(_)
        | TypeRef::Map(_)
        | TypeRef::Nullable(_) => FormPart::Json,
        // Enums go by their text, anything else as JSON.
        TypeRef::Named(name) => match types.iter().find(|t| &t.name == name).map(|t| &t.kind) {
            Some(TypeKind::Enum(_)) => FormPart::Text,
            _ => FormPart::Json,
        },
        TypeRef::Primitive(_) => FormPart::Text,
    }
}

/// A `oneOf`/`anyOf`: an enum with a variant per alternative and `Unknown` for values that fit
/// none. Written as the value itself (no tag of serde's own). Read by the discriminator when
/// there is one (a known tag that does not decode is an error; an unknown tag is `Unknown`),
/// otherwise as the first variant the value fits.
fn union_def(docs: &TokenStream, name: &Ident, union: &Union) -> TokenStream {
    let unknown = ident(UNKNOWN_VARIANT);
    let declarations = union.variants.iter().map(|v| {
        let variant = ident(&v.rust_name);
        let ty = variant_type(v);
        quote!(#variant(#ty),)
    });
    let serialize = union.variants.iter().map(|v| {
        let variant = ident(&v.rust_name);
        quote!(#name::#variant(value) => ::serde::Serialize::serialize(value, serializer),)
    });
    // The variant made from `decoded`.
    let make = |v: &UnionVariant| {
        let variant = ident(&v.rust_name);
        if v.boxed {
            quote!(#name::#variant(::std::boxed::Box::new(decoded)))
        } else {
            quote!(#name::#variant(decoded))
        }
    };
    let by_tag = union.discriminator.as_ref().map(|property| {
        let arms = union.variants.iter().filter(|v| !v.tags.is_empty()).map(|v| {
            let tags = &v.tags;
            let ty = rust_type(&v.ty, Scope::Types);
            let variant = ident(&v.rust_name);
            let make = if v.boxed {
                quote!(|decoded| #name::#variant(::std::boxed::Box::new(decoded)))
            } else {
                quote!(#name::#variant)
            };
            quote! {
                ::std::option::Option::Some(#(#tags)|*) => ::serde_json::from_value::<#ty>(value)
                    .map(#make)
                    .map_err(::serde::de::Error::custom),
            }
        });
        quote! {
            match value.get(#property).and_then(::serde_json::Value::as_str) {
                #(#arms)*
                _ => ::std::result::Result::Ok(#name::#unknown(value)),
            }
        }
    });
    let first_fit = union.variants.iter().map(|v| {
        let ty = rust_type(&v.ty, Scope::Types);
        let make = make(v);
        quote! {
            if let ::std::result::Result::Ok(decoded) = ::serde_json::from_value::<#ty>(value.clone()) {
                return ::std::result::Result::Ok(#make);
            }
        }
    });
    let body = match by_tag {
        Some(by_tag) => by_tag,
        None => quote! {
            #(#first_fit)*
            ::std::result::Result::Ok(#name::#unknown(value))
        },
    };
    quote! {
        #docs
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #(#declarations)*
            /// A value that fits none of the variants this version of the client knows; kept
            /// as received.
            #unknown(::serde_json::Value),
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    #(#serialize)*
                    #name::#unknown(value) => ::serde::Serialize::serialize(value, serializer),
                }
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                #body
            }
        }
    }
}

fn variant_type(v: &UnionVariant) -> TokenStream {
    let ty = rust_type(&v.ty, Scope::Types);
    if v.boxed {
        quote!(::std::boxed::Box<#ty>)
    } else {
        ty
    }
}

/// A multipart form: a plain struct (files cannot be serde-serialised) that turns itself into
/// the runtime's [`Form`](contractfit_runtime::Form) description.
fn form_def(docs: &TokenStream, name: &Ident, fields: &[Field], types: &[TypeDef]) -> TokenStream {
    let declarations = fields.iter().map(|field| {
        let docs = field_docs(field);
        let rust_name = ident(&field.rust_name);
        let ty = field_type(field);
        quote!(#docs pub #rust_name: #ty,)
    });
    let default = fields
        .iter()
        .all(|f| !f.must_have())
        .then(|| quote!(Default,));
    let constructors = constructors(name, fields, false, None);
    let parts = fields.iter().map(|f| {
        let wire = &f.name;
        let rust_name = ident(&f.rust_name);
        let add = |value: TokenStream| match form_part(&f.ty, types) {
            FormPart::File => quote!(form = form.file(#wire, #value);),
            FormPart::Files => quote!(for file in #value { form = form.file(#wire, file); }),
            FormPart::Text => quote!(form = form.text(#wire, #value);),
            FormPart::Json => quote!(form = form.json(#wire, &#value);),
        };
        if f.required && !f.nullable {
            add(quote!(self.#rust_name))
        } else {
            let body = add(quote!(value));
            quote!(if let Some(value) = self.#rust_name { #body })
        }
    });
    quote! {
        #docs
        #[derive(Debug, Clone, #default)]
        #[non_exhaustive]
        pub struct #name {
            #(#declarations)*
        }

        #constructors

        impl #name {
            /// The multipart body, described for the runtime.
            #[doc(hidden)]
            pub fn into_form(self) -> ::contractfit_runtime::Form {
                let mut form = ::contractfit_runtime::Form::new();
                #(#parts)*
                form
            }
        }
    }
}
