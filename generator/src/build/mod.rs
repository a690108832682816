//! `openapiv3` to the [model](crate::model): the only module that knows the input format.

mod extensions;
mod names;
mod naming;
mod operation;
mod refs;
mod schema;
pub mod selection;
mod signature;
mod tool;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use openapiv3::{OpenAPI, ReferenceOr, SecurityScheme as OaSecurityScheme};

use crate::diagnostics::{pointer_token, Error, Location, Warning};
use crate::model::{
    Api, ApiKeyLocation, Field, Operation, Primitive, SecurityRequirement, SecurityScheme,
    SecuritySchemeKind, Server, Tag, TypeDef, TypeKind, TypeRef,
};
pub use names::{camel, snake, Namespace};
pub use naming::singular;
pub use schema::is_rfc3339_date_time;

/// Builds the model of `doc`; `file` names the document in errors.
pub fn build(file: &Path, doc: &OpenAPI) -> Result<(Api, Vec<Warning>), Error> {
    let mut builder = Builder {
        file: file.to_owned(),
        doc,
        type_names: Namespace::new(),
        component_names: BTreeMap::new(),
        types: Vec::new(),
        named_inline: BTreeMap::new(),
        warnings: Vec::new(),
        strip_suffixes: Vec::new(),
        verb_names: false,
    };
    builder.claim_component_names();
    builder.build_component_schemas()?;
    match break_alias_cycles(&mut builder.types) {
        Ok(broken) => builder.warnings.extend(broken),
        Err((origin, message)) => return Err(builder.invalid(&origin, &message)),
    }
    let mut operations = builder.build_operations()?;
    let security_schemes = builder.security_schemes(&operations)?;
    let servers = builder.servers();

    let mut types = builder.types;
    files_only_in_forms(&mut types, &mut operations);
    mark_boxed_fields(&mut types);
    signature::sign(&mut operations, &types);
    name_constructor_arguments(&mut types, &mut builder.type_names);
    types.sort_by(|a, b| a.name.cmp(&b.name));
    let api = Api {
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        description: doc.info.description.clone(),
        servers,
        security_schemes,
        tags: doc
            .tags
            .iter()
            .map(|tag| Tag {
                name: tag.name.clone(),
                description: tag.description.clone(),
            })
            .collect(),
        operations,
        types,
        tool: Default::default(),
        webhooks: doc
            .extensions
            .get(crate::load::WEBHOOKS)
            .and_then(serde_json::Value::as_array)
            .map(|names| {
                names
                    .iter()
                    .filter_map(|n| n.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        part_of: None,
    };
    // The tool's names come last: they read every other decision.
    let api = crate::model::Api {
        tool: tool::layout(&api),
        ..api
    };
    Ok((api, builder.warnings))
}

/// State shared by the schema and operation halves of the builder.
struct Builder<'a> {
    file: PathBuf,
    doc: &'a OpenAPI,
    type_names: Namespace,
    /// Component schema key to Rust type name.
    component_names: BTreeMap<String, String>,
    types: Vec<TypeDef>,
    /// The name of the type each inline schema (by pointer) became, or is becoming: a schema
    /// that reaches itself while its type is being built gets that type's name, not a loop.
    named_inline: BTreeMap<String, String>,
    warnings: Vec<Warning>,
    /// Suffixes dropped from operationIds (`x-contractfit-strip-suffix`), the first that fits.
    strip_suffixes: Vec<String>,
    /// Operations named by what they do (`x-contractfit-verb-names`, see `naming`).
    verb_names: bool,
}

impl<'a> Builder<'a> {
    fn warn(&mut self, pointer: &str, message: &str) {
        self.warnings.push(Warning {
            pointer: pointer.to_owned(),
            message: message.to_owned(),
        });
    }

    fn invalid(&self, pointer: &str, message: &str) -> Error {
        Error::Invalid {
            location: Location {
                file: self.file.clone(),
                pointer: pointer.to_owned(),
                line: None,
            },
            message: message.to_owned(),
        }
    }

    fn push_type(&mut self, def: TypeDef) {
        self.types.push(def);
    }

    fn servers(&mut self) -> Vec<Server> {
        let mut servers = Vec::new();
        for (i, server) in self.doc.servers.iter().enumerate() {
            let mut url = server.url.clone();
            for (name, variable) in server.variables.iter().flatten() {
                url = url.replace(&format!("{{{name}}}"), &variable.default);
            }
            if let Some(rest) = url.strip_prefix("//") {
                // Scheme-relative: the document was served over some scheme we cannot know;
                // an API client must never fall back to plain http.
                url = format!("https://{rest}");
            }
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                self.warn(
                    &format!("/servers/{i}/url"),
                    &format!("server URL {url:?} is relative; callers must give a base URL"),
                );
                continue;
            }
            servers.push(Server {
                url: url.trim_end_matches('/').to_owned(),
                description: server.description.clone(),
            });
        }
        servers
    }

    fn security_schemes(&mut self, operations: &[Operation]) -> Result<Vec<SecurityScheme>, Error> {
        let Some(components) = &self.doc.components else {
            return Ok(Vec::new());
        };
        let mut schemes = Vec::new();
        for (key, scheme) in &components.security_schemes {
            let pointer = format!("/components/securitySchemes/{}", pointer_token(key));
            let ReferenceOr::Item(scheme) = scheme else {
                self.warn(&pointer, "a $ref security scheme is not supported; skipped");
                continue;
            };
            let login = self.login(scheme_extensions(scheme), operations, &pointer)?;
            let (kind, description) = match scheme {
                OaSecurityScheme::HTTP {
                    scheme,
                    description,
                    ..
                } => {
                    let kind = match scheme.to_ascii_lowercase().as_str() {
                        "basic" => SecuritySchemeKind::HttpBasic,
                        "bearer" => SecuritySchemeKind::HttpBearer,
                        other => SecuritySchemeKind::Unsupported {
                            kind: format!("http {other}"),
                        },
                    };
                    (kind, description)
                }
                OaSecurityScheme::APIKey {
                    location,
                    name,
                    description,
                    ..
                } => {
                    let location = match location {
                        openapiv3::APIKeyLocation::Header => ApiKeyLocation::Header,
                        openapiv3::APIKeyLocation::Query => ApiKeyLocation::Query,
                        openapiv3::APIKeyLocation::Cookie => ApiKeyLocation::Cookie,
                    };
                    let name = name.clone();
                    (SecuritySchemeKind::ApiKey { location, name }, description)
                }
                OaSecurityScheme::OAuth2 { description, .. } => (
                    SecuritySchemeKind::AccessToken {
                        flow: "oauth2".into(),
                    },
                    description,
                ),
                OaSecurityScheme::OpenIDConnect { description, .. } => (
                    SecuritySchemeKind::AccessToken {
                        flow: "openIdConnect".into(),
                    },
                    description,
                ),
            };
            schemes.push(SecurityScheme {
                key: key.clone(),
                kind,
                description: description.clone(),
                login,
            });
        }
        Ok(schemes)
    }

    /// An operation's security (or the document's), checked against the declared schemes.
    fn security(
        &mut self,
        requirements: Option<&Vec<openapiv3::SecurityRequirement>>,
        pointer: &str,
    ) -> Vec<SecurityRequirement> {
        let requirements = requirements.or(self.doc.security.as_ref());
        let declared: BTreeSet<&str> = self
            .doc
            .components
            .iter()
            .flat_map(|c| c.security_schemes.keys())
            .map(String::as_str)
            .collect();
        let mut unknown = Vec::new();
        let result = requirements
            .into_iter()
            .flatten()
            .map(|requirement| SecurityRequirement {
                schemes: requirement
                    .keys()
                    .inspect(|key| {
                        if !declared.contains(key.as_str()) {
                            unknown.push(key.to_string());
                        }
                    })
                    .cloned()
                    .collect(),
            })
            .collect();
        for key in unknown {
            self.warn(
                pointer,
                &format!("security requirement names undeclared scheme {key:?}"),
            );
        }
        result
    }
}

fn scheme_extensions(scheme: &OaSecurityScheme) -> &indexmap::IndexMap<String, serde_json::Value> {
    match scheme {
        OaSecurityScheme::APIKey { extensions, .. }
        | OaSecurityScheme::HTTP { extensions, .. }
        | OaSecurityScheme::OAuth2 { extensions, .. }
        | OaSecurityScheme::OpenIDConnect { extensions, .. } => extensions,
    }
}

/// `format: binary` is a file only as a multipart form field; anywhere else (a JSON property,
/// a parameter, a JSON body) the value travels as text, so it is a string there.
fn files_only_in_forms(types: &mut [TypeDef], operations: &mut [Operation]) {
    use crate::model::{BodyKind, Primitive, RequestContent};
    fn text(ty: &mut TypeRef) {
        match ty {
            TypeRef::Primitive(p @ Primitive::File) => *p = Primitive::String,
            TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) => text(inner),
            TypeRef::Primitive(_) | TypeRef::Named(_) => {}
        }
    }
    for def in types.iter_mut() {
        match &mut def.kind {
            TypeKind::Struct(s) => {
                s.fields.iter_mut().for_each(|f| text(&mut f.ty));
                text(&mut s.additional);
            }
            TypeKind::Alias(target) => text(target),
            TypeKind::Union(u) => u.variants.iter_mut().for_each(|v| text(&mut v.ty)),
            TypeKind::Enum(_) | TypeKind::Form(_) => {}
        }
    }
    for op in operations {
        op.parameters.iter_mut().for_each(|p| text(&mut p.ty));
        if let Some(RequestContent::Json { ty, .. } | RequestContent::UrlEncoded { ty }) =
            op.request_body.as_mut().map(|b| &mut b.content)
        {
            text(ty);
        }
        for response in &mut op.responses {
            for body in &mut response.content {
                if let BodyKind::Json(ty) = &mut body.kind {
                    text(ty);
                }
            }
        }
        if let Some(paginator) = &mut op.paginator {
            text(&mut paginator.item_type);
        }
    }
}

/// Gives `new` named arguments where positional ones could be swapped unnoticed: for each
/// struct with two fields a value must have that take the same arguments, a struct of those
/// fields, named after the type (`AuthModelRequired`) and claimed after every other type, so
/// that it never takes a name the document uses.
fn name_constructor_arguments(types: &mut [TypeDef], type_names: &mut Namespace) {
    let mut named = Vec::new();
    for (index, def) in types.iter().enumerate() {
        let TypeKind::Struct(s) = &def.kind else {
            continue;
        };
        let kinds: Vec<String> = s.must_have().map(|f| argument_kind(types, f)).collect();
        let shared = kinds
            .iter()
            .enumerate()
            .any(|(i, kind)| kinds[i + 1..].contains(kind));
        if shared {
            named.push((index, type_names.claim(&format!("{}Required", def.name))));
        }
    }
    for (index, name) in named {
        if let TypeKind::Struct(s) = &mut types[index].kind {
            s.named_new = Some(name);
        }
    }
}

/// What a positional `new` argument for `field` accepts (`impl Into<T>`), as a key: two
/// fields with one key take the same arguments. Text goes into a string and into any enum (an
/// enum is made from `&str`), JSON into `Json` and a JSON value alike, and an alias takes what
/// it names.
fn argument_kind(types: &[TypeDef], field: &Field) -> String {
    let ty = crate::model::resolve_aliases(types, &field.ty);
    let enumeration = |name: &str| {
        types
            .iter()
            .any(|t| t.name == name && matches!(t.kind, TypeKind::Enum(_)))
    };
    match ty {
        TypeRef::Primitive(Primitive::String) => "text".into(),
        TypeRef::Named(name) if enumeration(name) => "text".into(),
        TypeRef::Primitive(Primitive::Any | Primitive::Object) => "json".into(),
        other => format!("{other:?} {}", field.boxed),
    }
}

/// Aliases that lead back to themselves, which Rust refuses (`type X = Vec<X>`). Through a
/// list or a map (`X: {type: array, items: {$ref: X}}`, a nested list), the way back is read
/// as any JSON, with a warning at the alias; through aliases alone (`X: {$ref: Y}`,
/// `Y: {$ref: X}`, or `X: {allOf: [{description: …}, {$ref: X}]}`) the schema describes no
/// value: an error at the first such alias.
fn break_alias_cycles(types: &mut [TypeDef]) -> Result<Vec<Warning>, (String, String)> {
    /// The named types in `ty`; with `direct`, only where `ty` is one (maybe nullable).
    fn named(ty: &TypeRef, direct: bool, out: &mut Vec<String>) {
        match ty {
            TypeRef::Named(name) => out.push(name.clone()),
            TypeRef::Nullable(inner) => named(inner, direct, out),
            TypeRef::Array(inner) | TypeRef::Map(inner) if !direct => named(inner, direct, out),
            _ => {}
        }
    }
    fn reaches(aliases: &BTreeMap<String, TypeRef>, from: &str, to: &str, direct: bool) -> bool {
        let mut stack = vec![from.to_owned()];
        let mut seen = BTreeSet::new();
        while let Some(name) = stack.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            if let Some(target) = aliases.get(&name) {
                let mut next = Vec::new();
                named(target, direct, &mut next);
                if next.iter().any(|n| n == to) {
                    return true;
                }
                stack.extend(next);
            }
        }
        false
    }
    /// `ty` with every named type inside a list or map (`inside`) that leads back to `to` read
    /// as any JSON: the list stays a list.
    fn cut(aliases: &BTreeMap<String, TypeRef>, ty: &TypeRef, to: &str, inside: bool) -> TypeRef {
        match ty {
            TypeRef::Named(name) if inside && (name == to || reaches(aliases, name, to, false)) => {
                TypeRef::Primitive(Primitive::Any)
            }
            TypeRef::Nullable(inner) => {
                TypeRef::Nullable(Box::new(cut(aliases, inner, to, inside)))
            }
            TypeRef::Array(inner) => TypeRef::Array(Box::new(cut(aliases, inner, to, true))),
            TypeRef::Map(inner) => TypeRef::Map(Box::new(cut(aliases, inner, to, true))),
            other => other.clone(),
        }
    }
    let mut aliases: BTreeMap<String, TypeRef> = types
        .iter()
        .filter_map(|t| match &t.kind {
            TypeKind::Alias(target) => Some((t.name.clone(), target.clone())),
            _ => None,
        })
        .collect();
    let mut warnings = Vec::new();
    for def in types.iter_mut() {
        let TypeKind::Alias(target) = &mut def.kind else {
            continue;
        };
        if reaches(&aliases, &def.name, &def.name, true) {
            return Err((
                def.origin.clone(),
                "this schema is only a reference to itself (through other references): it \
                 describes no value"
                    .into(),
            ));
        }
        // A cycle through another alias's list is cut there, when that alias comes.
        let cut_here = cut(&aliases, target, &def.name, false);
        if cut_here != *target {
            *target = cut_here;
            aliases.insert(def.name.clone(), target.clone());
            warnings.push(Warning {
                pointer: def.origin.clone(),
                message: "a list or map of itself, which a Rust type alias cannot say: what it \
                          holds is read as any JSON"
                    .into(),
            });
        }
    }
    Ok(warnings)
}

/// Boxes each struct field whose type leads back to its own struct without passing through a
/// collection: such a type would otherwise have infinite size.
fn mark_boxed_fields(types: &mut [TypeDef]) {
    let direct: BTreeMap<String, Vec<String>> = types
        .iter()
        .map(|t| (t.name.clone(), direct_names(&t.kind)))
        .collect();
    let reaches = |from: &str, to: &str| -> bool {
        let mut stack = vec![from.to_owned()];
        let mut seen = BTreeSet::new();
        while let Some(name) = stack.pop() {
            if name == to {
                return true;
            }
            if seen.insert(name.clone()) {
                stack.extend(direct.get(&name).into_iter().flatten().cloned());
            }
        }
        false
    };
    for def in types.iter_mut() {
        match &mut def.kind {
            TypeKind::Struct(s) => {
                for field in &mut s.fields {
                    if let TypeRef::Named(target) = &field.ty {
                        field.boxed = reaches(target, &def.name);
                    }
                }
            }
            TypeKind::Union(u) => {
                for variant in &mut u.variants {
                    if let TypeRef::Named(target) = &variant.ty {
                        variant.boxed = reaches(target, &def.name);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The named types a type holds by value (not through a `Vec` or map).
fn direct_names(kind: &TypeKind) -> Vec<String> {
    match kind {
        TypeKind::Struct(s) => s
            .fields
            .iter()
            .filter_map(|f| match &f.ty {
                TypeRef::Named(n) => Some(n.clone()),
                _ => None,
            })
            .collect(),
        TypeKind::Alias(TypeRef::Named(n)) => vec![n.clone()],
        TypeKind::Union(u) => u
            .variants
            .iter()
            .filter_map(|v| match &v.ty {
                TypeRef::Named(n) => Some(n.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Method, ParamLocation, Primitive, RequestContent, SuccessBody};

    /// The model of a document, through the same steps as `model_of` (without an overlay).
    fn model(yaml: &str) -> (Api, Vec<Warning>) {
        let mut value = crate::load::parse_value(Path::new("t.yaml"), yaml).unwrap();
        let (_, mut warnings) = crate::load::prepare(Path::new("t.yaml"), &mut value).unwrap();
        let doc = crate::load::to_openapi(Path::new("t.yaml"), value).unwrap();
        let (api, more) = build(Path::new("t.yaml"), &doc).unwrap();
        warnings.extend(more);
        (api, warnings)
    }

    const DOC: &str = r##"
openapi: 3.0.0
info: {title: T, version: "1"}
servers: [{url: "//api.example.com/v1/"}]
security: [{basic: []}, {token: []}]
paths:
  /things/{thing_id}:
    parameters:
      - {in: path, name: thing_id, required: true, schema: {type: string}}
    put:
      operationId: putThing
      parameters:
        - {in: query, name: mode, schema: {type: string, enum: [a, b], default: c}}
      requestBody: {$ref: "#/components/requestBodies/Thing"}
      security: []
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {$ref: "#/components/schemas/Child"}}}
components:
  securitySchemes:
    basic: {type: http, scheme: basic}
    token: {type: apiKey, in: header, name: Authorization}
  requestBodies:
    Thing:
      required: true
      content: {application/json: {schema: {$ref: "#/components/schemas/Parent"}}}
  schemas:
    Parent:
      type: object
      required: [name]
      properties:
        name: {type: string}
        kind: {type: string, enum: [x, y]}
    Child:
      allOf:
        - $ref: "#/components/schemas/Parent"
        - type: object
          required: [id]
          properties:
            id: {type: integer, format: int32}
            self: {$ref: "#/components/schemas/Child"}
"##;

    #[test]
    fn operations_carry_parameters_bodies_responses_and_security() {
        let (api, warnings) = model(DOC);
        assert_eq!(api.servers[0].url, "https://api.example.com/v1");
        let op = &api.operations[0];
        assert_eq!((op.name.as_str(), op.method), ("put_thing", Method::Put));
        assert_eq!(op.parameters.len(), 2);
        assert_eq!(op.parameters[0].location, ParamLocation::Path);
        let mode = &op.parameters[1];
        assert_eq!(mode.ty, TypeRef::Named("PutThingMode".into()));
        assert_eq!(mode.default, None, "`c` is not in the enum");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0]
            .pointer
            .ends_with("/parameters/0/schema/default"));
        assert!(matches!(
            &op.request_body.as_ref().unwrap().content,
            RequestContent::Json { ty: TypeRef::Named(n), .. } if n == "Parent"
        ));
        assert_eq!(
            op.success_body(),
            SuccessBody::Json(TypeRef::Named("Child".into()))
        );
        assert!(
            op.security.is_empty(),
            "operation-level `security: []` overrides the default"
        );
        assert_eq!(api.security_schemes.len(), 2);
    }

    #[test]
    fn parts_that_only_describe_do_not_decide_the_shape() {
        let doc = r##"
openapi: 3.0.0
info: {title: T, version: "1"}
paths: {}
components:
  schemas:
    Said:
      allOf: [{description: Only words.}, {title: More words}]
    Pet:
      allOf:
        - discriminator: {propertyName: kind}
        - oneOf: [{$ref: "#/components/schemas/Said"}]
"##;
        let (api, _) = model(doc);
        // All parts only describe: any value, not an empty struct that refuses a string.
        assert_eq!(
            api.type_def("Said").unwrap().kind,
            TypeKind::Alias(TypeRef::Primitive(Primitive::Any))
        );
        assert_eq!(
            api.type_def("Said").unwrap().description.as_deref(),
            Some("Only words.")
        );
        // A discriminator is not a description: the parts are merged as before.
        assert!(!matches!(
            api.type_def("Pet").unwrap().kind,
            TypeKind::Alias(_)
        ));
    }

    #[test]
    fn an_alias_of_itself_is_a_located_error() {
        for doc in [
            "{openapi: 3.0.0, info: {title: T, version: '1'}, paths: {}, components: {schemas: {
               X: {allOf: [{description: d}, {$ref: '#/components/schemas/X'}]}}}}",
            "{openapi: 3.0.0, info: {title: T, version: '1'}, paths: {}, components: {schemas: {
               X: {$ref: '#/components/schemas/Y'}, Y: {$ref: '#/components/schemas/X'}}}}",
        ] {
            let mut value = crate::load::parse_value(Path::new("t.yaml"), doc).unwrap();
            crate::load::prepare(Path::new("t.yaml"), &mut value).unwrap();
            let openapi = crate::load::to_openapi(Path::new("t.yaml"), value).unwrap();
            let error = build(Path::new("t.yaml"), &openapi)
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("/components/schemas/")
                    && error.contains("only a reference to itself"),
                "{error}"
            );
        }
    }

    /// A list of itself (nested lists, as `type X = Vec<X>` Rust refuses): what it holds is any
    /// JSON, with a warning. (Before, the generated crate did not compile.)
    #[test]
    fn a_list_of_itself_holds_any_json() {
        let (api, warnings) = model(
            "{openapi: 3.0.0, info: {title: T, version: '1'}, paths: {}, components: {schemas: {
               X: {$ref: '#/components/schemas/Y'}, Y: {type: array, items: {$ref: '#/components/schemas/X'}}}}}",
        );
        let kinds: Vec<&TypeKind> = ["X", "Y"]
            .iter()
            .map(|n| &api.type_def(n).unwrap().kind)
            .collect();
        assert_eq!(
            kinds,
            [
                &TypeKind::Alias(TypeRef::Named("Y".into())),
                &TypeKind::Alias(TypeRef::Array(Box::new(TypeRef::Primitive(Primitive::Any)))),
            ]
        );
        assert!(warnings
            .iter()
            .any(|w| w.message.contains("a list or map of itself")));
    }

    #[test]
    fn all_of_merges_and_reuses_inline_types_and_boxes_cycles() {
        let (api, _) = model(DOC);
        let TypeKind::Struct(child) = &api.type_def("Child").unwrap().kind else {
            panic!("Child is a struct")
        };
        let names: Vec<_> = child.fields.iter().map(|f| f.rust_name.as_str()).collect();
        assert_eq!(names, ["name", "kind", "id", "self_"]);
        assert!(child.fields[0].required && child.fields[2].required);
        assert_eq!(child.fields[1].ty, TypeRef::Named("ParentKind".into()));
        assert_eq!(child.fields[2].ty, TypeRef::Primitive(Primitive::Integer32));
        assert!(child.fields[3].boxed);
        assert!(
            api.type_def("ChildKind").is_none(),
            "the parent's enum is reused"
        );
    }

    #[test]
    fn flask_restx_wildcards_are_the_keys_a_model_does_not_declare() {
        let (api, warnings) = model(
            r##"
openapi: 3.0.0
info: {title: T, version: "1"}
paths: {}
components:
  schemas:
    OnlyWildcard:
      type: object
      properties:
        "*": {type: object, additionalProperties: {$ref: "#/components/schemas/Setting"}}
    Mixed:
      type: object
      properties:
        name: {type: string}
        "*": {type: object, additionalProperties: {type: integer}}
    RawWildcard:
      type: object
      properties:
        "*": {type: object}
    Setting:
      type: object
      properties:
        additional_properties: {type: string}
"##,
        );
        let kind = |name: &str| api.type_def(name).unwrap().kind.clone();
        let setting = TypeRef::Named("Setting".into());
        assert_eq!(
            kind("OnlyWildcard"),
            TypeKind::Alias(TypeRef::Map(Box::new(setting)))
        );
        assert_eq!(
            kind("RawWildcard"),
            TypeKind::Alias(TypeRef::Primitive(Primitive::Object)),
            "any keys with any values: untyped JSON"
        );
        let TypeKind::Struct(mixed) = kind("Mixed") else {
            panic!("Mixed is a struct")
        };
        assert_eq!(mixed.fields.len(), 1, "`*` is not a field");
        assert_eq!(mixed.additional, TypeRef::Primitive(Primitive::Integer));
        let wildcard_warnings = warnings
            .iter()
            .filter(|w| w.pointer.ends_with("/*"))
            .count();
        assert_eq!(wildcard_warnings, 3, "{warnings:?}");
        // Every struct keeps what it does not declare, in a field no property can take.
        let TypeKind::Struct(setting) = kind("Setting") else {
            panic!("Setting is a struct")
        };
        assert_eq!(setting.additional, TypeRef::Primitive(Primitive::Any));
        assert_eq!(setting.fields[0].rust_name, "additional_properties_2");
    }

    /// An upload whose lost answers a batch can look for: the listing of `find`, paginated,
    /// filtered by a date-time, taking the upload's own path parameter.
    const BATCH_DOC: &str = r##"
openapi: 3.0.0
info: {title: T, version: "1"}
paths:
  /files/{box}:
    post:
      operationId: upload
      parameters: [{in: path, name: box, required: true, schema: {type: string}}]
      requestBody:
        content:
          multipart/form-data:
            schema:
              type: object
              required: [file]
              properties: {file: {type: string, format: binary}, sync: {type: boolean}}
      responses: {"200": {description: ok}}
      x-contractfit-upload-wait:
        set: {sync: false}
        id: /id
        operationId: get
        waiter: ready
        find: {operationId: list, since: SINCE, name: /name, id: /id}
  /file/{id}:
    get:
      operationId: get
      parameters: [{in: path, name: id, required: true, schema: {type: string}}]
      responses: {"200": {description: ok}}
      x-contractfit-waiters:
        ready:
          minDelay: 1
          maxDelay: 2
          acceptors: [{state: success, status: 200}]
  /boxes/{box}:
    get:
      operationId: list
      parameters:
        - {in: path, name: box, required: true, schema: {type: string}}
        - {in: query, name: page, schema: {type: integer}}
        - {in: query, name: since, schema: {type: string, format: date-time}}
        - {in: query, name: label, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties: {items: {type: array, items: {type: object}}}
      x-contractfit-paginator: {page: page, items: /items}
"##;

    #[test]
    fn an_upload_names_where_a_batch_finds_it_and_wrong_names_are_located() {
        let (api, _) = model(&BATCH_DOC.replace("SINCE", "since"));
        let upload = api.operations[0].upload_wait.as_ref().unwrap();
        let find = upload.find.as_ref().unwrap();
        assert_eq!(find.operation, "list");
        assert_eq!(find.since, "since");
        assert_eq!(
            (find.name_pointer.as_str(), find.id_pointer.as_str()),
            ("/name", "/id")
        );
        assert_eq!(api.batch_uploads().count(), 1);

        // Not a date-time parameter: an error at the extension's `since`.
        let doc = BATCH_DOC.replace("SINCE", "label");
        let mut value = crate::load::parse_value(Path::new("t.yaml"), &doc).unwrap();
        crate::load::prepare(Path::new("t.yaml"), &mut value).unwrap();
        let doc = crate::load::to_openapi(Path::new("t.yaml"), value).unwrap();
        let error = build(Path::new("t.yaml"), &doc).unwrap_err().to_string();
        assert!(
            error.contains("x-contractfit-upload-wait/find/since")
                && error.contains("no date-time parameter \"label\""),
            "{error}"
        );
    }
}
